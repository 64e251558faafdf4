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
  if (kind === "bool") return raw === "true";
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

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const alert = form.querySelector("[data-form-error]");
  if (alert) alert.textContent = "";
  const status = form.querySelector("[data-form-status]");
  if (status) status.textContent = "";
}

function placeFieldError(form, key, text) {
  // The message goes beside the field the API (or the browser) names; false when the form has no such field.
  const input = form.elements.namedItem(key);
  const slot = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
  if (input && "setAttribute" in input) input.setAttribute("aria-invalid", "true");
  if (slot) slot.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  return slot ? input || slot : null;
}

function fixFieldsMessage(count) {
  return count === 1 ? "" : `Fix the ${count} fields marked below.`;
}

export function showError(form, error) {
  // One message per problem: an error the API ties to a field is shown beside it (not also in the form's alert);
  // the alert says what no field shows.
  const alert = form.querySelector("[data-form-error]");
  let firstInvalid = null;
  let placed = 0;
  const errors = error instanceof ApiError ? error.errors : [];
  for (const item of errors) {
    const key = item && (item.key || item.field);
    if (!key) continue;
    const where = placeFieldError(form, key, item.message || "not valid");
    if (where) {
      placed += 1;
      firstInvalid = firstInvalid || where;
    }
  }
  const message = placed ? fixFieldsMessage(placed) : error.message || "Something went wrong.";
  if (alert) alert.textContent = message ? message.charAt(0).toUpperCase() + message.slice(1) : "";
  if (firstInvalid && "focus" in firstInvalid) {
    firstInvalid.focus();
  } else if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
}

function ruleFor(element) {
  // The browser's own words, except where the field states its rule (a pattern's rule, in words).
  if (element.validity.patternMismatch && element.dataset.rule) return element.dataset.rule;
  return element.validationMessage;
}

export function checkAll(form) {
  // Every field's problem at once, each beside its field (instead of the browser's one bubble at a time).
  clearErrors(form);
  let first = null;
  let count = 0;
  for (const element of form.elements) {
    if (!element.willValidate || element.checkValidity()) continue;
    count += 1;
    const key = element.name || element.id;
    const where = placeFieldError(form, key, ruleFor(element));
    if (!where) element.setAttribute("aria-invalid", "true");
    first = first || element;
  }
  if (count === 0) return true;
  const alert = form.querySelector("[data-form-error]");
  if (alert) alert.textContent = fixFieldsMessage(count);
  first?.focus();
  return false;
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
  if (!checkAll(form)) return;
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
    form.dispatchEvent(new CustomEvent("verdict:error", { detail: error }));
  } finally {
    form.removeAttribute("aria-busy");
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    }
  }
}

export function enhance(form) {
  form.noValidate = true; // checkAll reports every field at once, beside each field
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
