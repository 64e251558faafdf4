// JSON forms: <form data-api="/api/..." data-method="POST"> is sent with fetch as JSON (field names are the API's
// keys), errors are shown in the form's alert and next to the fields the API names, and on success the form
// redirects (data-redirect), reveals a panel (data-success-target), or shows a message (data-success).
import { api, ApiError, refreshSession, safeNext } from "./api.js";

function valueOf(element) {
  if (element.type === "checkbox") return element.checked;
  const kind = element.dataset.json;
  const raw = element.value;
  if (kind === "int") return raw === "" ? null : Number.parseInt(raw, 10);
  if (kind === "float") return raw === "" ? null : Number.parseFloat(raw);
  if (kind === "list") return raw.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  return raw;
}

export function formJson(form) {
  const data = {};
  for (const element of form.elements) {
    if (!element.name || element.disabled || "skip" in element.dataset || element.type === "submit") continue;
    if (element.type === "file") continue;
    const value = valueOf(element);
    if ("omitEmpty" in element.dataset && (value === "" || value === null)) continue;
    data[element.name] = value;
  }
  return data;
}

function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const alert = form.querySelector("[data-form-error]");
  if (alert) alert.textContent = "";
  const status = form.querySelector("[data-form-status]");
  if (status) status.textContent = "";
}

export function showError(form, error) {
  const alert = form.querySelector("[data-form-error]");
  let firstInvalid = null;
  const errors = error instanceof ApiError ? error.errors : [];
  for (const item of errors) {
    const key = item && (item.key || item.field);
    if (!key) continue;
    const input = form.elements.namedItem(key);
    const slot = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
    if (input && "setAttribute" in input) {
      input.setAttribute("aria-invalid", "true");
      firstInvalid = firstInvalid || input;
    }
    const text = item.message || "not valid";
    if (slot) slot.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  }
  const message = error.message || "Something went wrong.";
  if (alert) alert.textContent = message.charAt(0).toUpperCase() + message.slice(1);
  (firstInvalid || alert)?.focus?.();
  if (alert && !firstInvalid) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
}

function checkMatches(form) {
  for (const element of form.querySelectorAll("[data-match]")) {
    const other = form.elements.namedItem(element.dataset.match);
    element.setCustomValidity(other && other.value !== element.value ? "The two passwords are not the same." : "");
  }
}

async function submit(form, event) {
  event?.preventDefault();
  checkMatches(form);
  if (!form.reportValidity()) return;
  clearErrors(form);
  const button = form.querySelector('[type="submit"]');
  button?.setAttribute("aria-disabled", "true");
  if (button) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const result = await api(form.dataset.api, { method: form.dataset.method || "POST", json: formJson(form) });
    form.dispatchEvent(new CustomEvent("verdict:success", { detail: result }));
    if (form.dataset.redirect !== undefined) {
      window.location.assign(safeNext(form.dataset.redirect || "/", "/"));
      return;
    }
    if ("updatesProfile" in form.dataset && result && result.displayName) {
      document.querySelectorAll(".account-name").forEach((el) => (el.textContent = result.displayName));
      document.querySelectorAll(".avatar").forEach((el) => {
        el.textContent = result.avatarInitials || result.displayName.slice(0, 1).toUpperCase();
      });
    }
    if ("resetOnSuccess" in form.dataset) form.reset();
    if (form.dataset.successTarget) {
      const target = document.querySelector(form.dataset.successTarget);
      if ("successHide" in form.dataset) form.hidden = true;
      if (target) {
        target.hidden = false;
        target.focus();
        return;
      }
    }
    const status = form.querySelector("[data-form-status]");
    if (status) status.textContent = form.dataset.success || (result && result.detail) || "Done.";
  } catch (error) {
    showError(form, error);
  } finally {
    form.removeAttribute("aria-busy");
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    }
  }
}

export function enhance(form) {
  form.addEventListener("submit", (event) => submit(form, event));
  form.querySelectorAll("[data-match]").forEach((el) => el.addEventListener("input", () => checkMatches(form)));
}

async function resumeSession(form) {
  // The sign-in page, reached with an expired access cookie but a live refresh cookie: renew and go on.
  if (await refreshSession()) window.location.replace(safeNext(form.dataset.redirect || "/problems"));
}

for (const form of document.querySelectorAll("form[data-api]")) {
  enhance(form);
  if ("resumeSession" in form.dataset) resumeSession(form);
  if ("autosubmit" in form.dataset) submit(form, null);
}
