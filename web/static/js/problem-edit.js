// The instructors' problem page: create (POST /api/problems) or update (PATCH /api/problems/{slug}) the details,
// and upload a problem package (PUT /api/problems/{slug}/package, the archive as the body).
import { api } from "./api.js";
import { checkAll, clearErrors, formJson, showError } from "./forms.js";

const form = document.getElementById("problem-form");
form.noValidate = true; // checkAll reports every field at once, beside each field

// Not a generic data-api form: the languages are sent as a list of the ticked boxes.
form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkAll(form)) return;
    const data = formJson(form);
    data.languages = [...form.querySelectorAll("[data-list-member]:checked")].map((box) => box.value);
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    clearErrors(form);
    try {
      const problem = await api(form.dataset.endpoint, { method: form.dataset.method, json: data });
      if ("createdRedirect" in form.dataset) {
        window.location.assign(`/problems/${problem.slug}/edit`);
        return;
      }
      form.querySelector("[data-form-status]").textContent = form.dataset.success || "Saved.";
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
});

const packageForm = document.getElementById("package-form");
if (packageForm) {
  const result = document.getElementById("package-result");
  packageForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!packageForm.reportValidity()) return;
    const file = document.getElementById("package-file").files[0];
    const validate = document.getElementById("package-validate").checked;
    const button = packageForm.querySelector('[type="submit"]');
    const status = packageForm.querySelector("[data-form-status]");
    packageForm.querySelector("[data-form-error]").textContent = "";
    button.disabled = true;
    status.textContent = validate ? "Uploading, then judging the reference solutions…" : "Uploading…";
    result.hidden = true;
    try {
      const type = file.name.endsWith(".zip") ? "application/zip" : "application/gzip";
      const answer = await api(`/api/problems/${packageForm.dataset.slug}/package?validate=${validate}`, {
        method: "PUT",
        body: file,
        headers: { "Content-Type": type },
      });
      status.textContent = answer.changed
        ? `Uploaded: ${answer.testCount} tests are live.`
        : "This package is the current one already: nothing changed.";
      document.getElementById("test-count").textContent = String(answer.testCount);
      document.getElementById("testset-digest").textContent = answer.testsetDigest.slice(0, 16);
      renderValidation(answer);
    } catch (error) {
      status.textContent = "";
      showError(packageForm, error);
    } finally {
      button.disabled = false;
    }
  });

  function renderValidation(answer) {
    result.replaceChildren();
    const rows = [...(answer.validation || [])];
    if (rows.length === 0 && (answer.skipped || []).length === 0) return;
    const heading = document.createElement("h3");
    heading.textContent = "Reference solutions";
    const list = document.createElement("ul");
    for (const outcome of rows) {
      const item = document.createElement("li");
      item.textContent = `${outcome.ok ? "✓" : "✗"} ${outcome.path}: expected ${outcome.expected}, got ${outcome.verdict ?? "no verdict"}${outcome.test ? ` (test ${outcome.test})` : ""}${outcome.message ? `: ${outcome.message}` : ""}`;
      list.append(item);
    }
    for (const skipped of answer.skipped || []) {
      const item = document.createElement("li");
      item.textContent = `– ${skipped.path}: skipped (${skipped.reason})`;
      list.append(item);
    }
    result.append(heading, list);
    result.hidden = false;
  }
}
