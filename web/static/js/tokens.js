// API tokens on the profile page: create (the secret is shown once, here), list, revoke. Talks to /api/tokens.
import { api } from "./api.js";
import { checkAll, clearErrors, showError } from "./forms.js";

const form = document.getElementById("token-form");
const rows = document.querySelector("[data-token-rows]");
const table = document.querySelector("[data-token-table]");
const empty = document.querySelector("[data-token-empty]");
const secret = document.querySelector("[data-token-secret]");
const listError = document.querySelector("[data-token-list-error]");

function scopeLabels() {
  const labels = {};
  for (const box of form.querySelectorAll('input[name="scopes"]')) {
    labels[box.value] = box.parentElement.textContent.trim();
  }
  return labels;
}

function when(iso) {
  if (!iso) return "Never";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function showEmpty() {
  const none = rows.children.length === 0;
  table.hidden = none;
  empty.hidden = !none;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function addRow(token) {
  const labels = scopeLabels();
  const tr = document.createElement("tr");
  tr.dataset.tokenId = token.id;
  const name = document.createElement("td");
  const strong = document.createElement("strong");
  strong.textContent = token.name;
  const prefix = document.createElement("code");
  prefix.className = "muted small";
  prefix.textContent = `${token.tokenPrefix}…`;
  name.append(strong, " ", prefix);
  const actions = document.createElement("td");
  const revoke = document.createElement("button");
  revoke.type = "button";
  revoke.className = "button button-quiet button-small";
  revoke.dataset.revoke = token.id;
  revoke.dataset.name = token.name;
  revoke.textContent = "Revoke";
  actions.append(revoke);
  const scopes = Object.keys(labels).filter((s) => token.scopes.includes(s));
  tr.append(name, cell(scopes.map((s) => labels[s]).join(", ")), cell(when(token.lastUsedAt)));
  tr.append(cell(when(token.expiresAt)), actions);
  rows.prepend(tr);
  showEmpty();
}

function payload() {
  const scopes = [...form.querySelectorAll('input[name="scopes"]:checked')].map((box) => box.value);
  const days = form.elements.namedItem("expiresInDays").value;
  return {
    name: form.elements.namedItem("name").value,
    scopes,
    expiresInDays: days === "" ? null : Number.parseInt(days, 10),
  };
}

function checkScopes() {
  const first = form.querySelector('input[name="scopes"]');
  if (!first) return;
  const any = form.querySelector('input[name="scopes"]:checked');
  first.setCustomValidity(any ? "" : "Pick at least one scope.");
}

form.noValidate = true;
form.addEventListener("change", checkScopes);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  checkScopes();
  if (!checkAll(form)) return;
  clearErrors(form);
  const button = form.querySelector('[type="submit"]');
  button.disabled = true;
  try {
    const token = await api("/api/tokens", { method: "POST", json: payload() });
    addRow(token);
    secret.querySelector("[data-token-value]").textContent = token.token;
    secret.hidden = false;
    secret.focus();
    form.reset();
    form.querySelector("[data-form-status]").textContent = `Token “${token.name}” created.`;
  } catch (error) {
    showError(form, error);
  } finally {
    button.disabled = false;
  }
});

secret.querySelector("[data-copy-secret]").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  try {
    await navigator.clipboard.writeText(secret.querySelector("[data-token-value]").textContent);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy it";
  }
  setTimeout(() => (button.textContent = "Copy"), 1500);
});

rows.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-revoke]");
  if (!button) return;
  listError.textContent = "";
  if (!window.confirm(`Revoke the token “${button.dataset.name}”? Programs using it stop working at once.`)) return;
  button.disabled = true;
  try {
    await api(`/api/tokens/${encodeURIComponent(button.dataset.revoke)}`, { method: "DELETE" });
    button.closest("tr").remove();
    showEmpty();
  } catch (error) {
    listError.textContent = error.message;
    button.disabled = false;
  }
});
