// Code checks of a question: the rules textarea (one "kind name: message" per line) becomes the API's list.
import { api, ApiError } from "./api.js";
import { showError, clearErrors } from "./forms.js";

export function parseRules(text) {
  const rules = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(": ");
    const head = colon >= 0 ? line.slice(0, colon) : line;
    const message = colon >= 0 ? line.slice(colon + 2).trim() : "";
    const [kind, name = ""] = head.split(/\s+/, 2);
    rules.push({ kind, name, message });
  }
  return rules;
}

// The API names a bad rule by its index ("rules[2].kind"): say which line of the textarea it is.
function byLine(error) {
  if (!(error instanceof ApiError)) return error;
  const errors = error.errors.map((item) => {
    const found = /rules\[(\d+)\]\.?(\w*)/.exec(item.key || item.field || "");
    if (!found) return item;
    const what = found[2] ? `${found[2]} ` : "";
    return { key: "rules", message: `rule on line ${Number(found[1]) + 1}: ${what}${item.message}` };
  });
  return new ApiError(error.status, error.detail, errors);
}

const form = document.querySelector("form[data-scan-settings]");
if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const points = form.elements.namedItem("points").value;
    try {
      await api(form.dataset.scanSettings, {
        method: "PUT",
        json: {
          rules: parseRules(form.elements.namedItem("rules").value),
          linter: form.elements.namedItem("linter").checked,
          points: points === "" ? 0 : Number.parseFloat(points),
        },
      });
      window.location.reload();
    } catch (error) {
      showError(form, byLine(error));
    }
  });
  form.querySelector("[data-scan-delete]")?.addEventListener("click", async () => {
    try {
      await api(form.dataset.scanSettings, { method: "DELETE" });
      window.location.reload();
    } catch (error) {
      showError(form, error);
    }
  });
}
