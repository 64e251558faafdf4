// The instructors' problem page: create (POST /api/problems) or update (PATCH /api/problems/{slug}) the details,
// and upload a problem package (PUT /api/problems/{slug}/package, the archive as the body).
import { api } from "./api.js";
import { checkAll, clearErrors, formJson, showError } from "./forms.js";

const form = document.getElementById("problem-form");
form.noValidate = true; // checkAll reports every field at once, beside each field

// The details a package replaces when it is uploaded (PackageService._apply), with their labels on this page.
const REPLACED_BY_PACKAGE = {
  title: "Title",
  statementMd: "Statement",
  timeLimitMs: "Time limit",
  memoryLimitMb: "Memory limit",
  difficulty: "Difficulty",
  tags: "Tags",
  authors: "Authors",
  languages: "Languages",
};

function details() {
  const data = formJson(form);
  data.languages = [...form.querySelectorAll("[data-list-member]:checked")].map((box) => box.value);
  return data;
}

// What was last loaded or saved: edits are what differs from it.
let saved = details();

function unsavedReplacedFields() {
  const now = details();
  return Object.keys(REPLACED_BY_PACKAGE).filter((key) => JSON.stringify(now[key]) !== JSON.stringify(saved[key]));
}

function fill(problem) {
  // The form shows what the problem now is (after a package replaced its details), so a later Save keeps them.
  const set = (name, value) => {
    const element = form.elements.namedItem(name);
    if (element) element.value = value;
  };
  set("title", problem.title);
  set("statementMd", problem.statementMd);
  set("timeLimitMs", String(problem.timeLimitMs));
  set("memoryLimitMb", String(problem.memoryLimitMb));
  set("difficulty", problem.difficulty);
  set("tags", problem.tags.join(", "));
  set("authors", problem.authors.join(", "));
  for (const box of form.querySelectorAll("[data-list-member]")) box.checked = problem.languages.includes(box.value);
  const visibility = form.elements.namedItem("visibility")?.value;
  saved = { ...details(), visibility: problem.visibility };
  if (visibility !== undefined) set("visibility", visibility); // an unsaved visibility edit is not the package's
}

// Not a generic data-api form: the languages are sent as a list of the ticked boxes.
form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkAll(form)) return;
    const data = details();
    const button = form.querySelector('[type="submit"]');
    button.disabled = true;
    clearErrors(form);
    try {
      const problem = await api(form.dataset.endpoint, { method: form.dataset.method, json: data });
      if ("createdRedirect" in form.dataset) {
        window.location.assign(`/problems/${problem.slug}/edit`);
        return;
      }
      saved = data;
      form.querySelector("[data-form-status]").textContent = form.dataset.success || "Saved.";
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
});

function listed(labels) {
  if (labels.length === 1) return labels[0];
  return `${labels.slice(0, -1).join(", ")} and ${labels[labels.length - 1]}`;
}

const packageForm = document.getElementById("package-form");
if (packageForm) {
  const result = document.getElementById("package-result");
  const confirmBox = packageForm.querySelector("[data-package-confirm]");

  // Unsaved edits the package would replace: say which, and upload only if the person says so.
  function confirmReplacing(fields) {
    const labels = fields.map((key) => REPLACED_BY_PACKAGE[key]);
    confirmBox.querySelector("[data-package-confirm-text]").textContent =
      `You have unsaved edits to ${listed(labels)}. The package replaces ${labels.length === 1 ? "it" : "them"} ` +
      "with its own. Upload anyway, or keep your edits and save them first?";
    confirmBox.hidden = false;
    confirmBox.focus();
    return new Promise((resolve) => {
      const yes = confirmBox.querySelector("[data-package-confirm-yes]");
      const no = confirmBox.querySelector("[data-package-confirm-no]");
      const done = (value) => {
        yes.removeEventListener("click", onYes);
        no.removeEventListener("click", onNo);
        confirmBox.hidden = true;
        resolve(value);
      };
      const onYes = () => done(true);
      const onNo = () => done(false);
      yes.addEventListener("click", onYes);
      no.addEventListener("click", onNo);
    });
  }

  packageForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!packageForm.reportValidity()) return;
    const unsaved = unsavedReplacedFields();
    if (unsaved.length && !(await confirmReplacing(unsaved))) {
      packageForm.querySelector("[data-form-status]").textContent =
        "Nothing uploaded: your edits are still here. Save them, then upload the package if you still want to.";
      packageForm.querySelector('[type="submit"]').focus();
      return;
    }
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
      if (answer.changed) fill(await api(`/api/problems/${packageForm.dataset.slug}`));
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
