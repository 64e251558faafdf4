// Course pages: after joining or creating, go to the course; people (re-role, remove, bulk assign); roster import
// (preview the file's rows with their problems, then confirm). Every change goes through /api/courses.
import { api } from "./api.js";
import { showError } from "./forms.js";

function toCourse(form) {
  form.addEventListener("verdict:success", (event) => {
    if (event.detail && event.detail.id) window.location.assign(`/courses/${event.detail.id}`);
  });
}
document.querySelectorAll("form[data-goes-to-course]").forEach(toCourse);

const people = document.querySelector("[data-people]");
if (people) {
  const base = people.dataset.people;
  const status = document.querySelector("[data-people-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  people.addEventListener("change", async (event) => {
    const select = event.target.closest("select[data-role-of]");
    if (!select) return;
    try {
      await api(`${base}/members/${select.dataset.roleOf}`, { method: "PATCH", json: { role: select.value } });
      say("Role changed.");
    } catch (error) {
      say(error.message);
      select.value = select.dataset.was;
    }
  });
  people.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-remove]");
    if (!button) return;
    if (!window.confirm(`Remove ${button.dataset.name} from the course?`)) return;
    try {
      await api(`${base}/members/${button.dataset.remove}`, { method: "DELETE" });
      button.closest("tr").remove();
      say(`${button.dataset.name} was removed.`);
    } catch (error) {
      say(error.message);
    }
  });
  const assign = document.querySelector("form[data-bulk-assign]");
  assign?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const userIds = [...people.querySelectorAll("input[data-pick]:checked")].map((box) => box.value);
    const json = { userIds };
    const group = assign.elements.namedItem("groupId").value;
    const level = assign.elements.namedItem("levelId").value;
    if (group) json.groupId = group === "none" ? null : group;
    if (level) json.levelId = level === "none" ? null : level;
    try {
      const result = await api(`${base}/members/assign`, { method: "POST", json });
      window.location.reload();
      say(`${result.updated} people updated.`);
    } catch (error) {
      showError(assign, error);
    }
  });
}

// Deleting a group or a level: its members stay in the course, without one.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-delete-url]");
  if (!button) return;
  if (!window.confirm(`Delete the ${button.dataset.name}? Its members stay in the course.`)) return;
  try {
    await api(button.dataset.deleteUrl, { method: "DELETE" });
    window.location.reload();
  } catch (error) {
    window.alert(error.message);
  }
});

const roster = document.querySelector("form[data-roster]");
if (roster) {
  const base = roster.dataset.roster;
  const output = document.querySelector("[data-roster-preview]");
  const confirmButton = document.querySelector("[data-roster-confirm]");
  const result = document.querySelector("[data-roster-result]");
  let data = null;
  const cell = (text) => {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  };
  roster.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = roster.elements.namedItem("file").files[0];
    if (!file) return;
    data = await file.arrayBuffer();
    const busy = roster.querySelector("[data-form-status]");
    if (busy) busy.textContent = `Reading ${file.name} (${Math.ceil(data.byteLength / 1024)} KB)…`;
    roster.setAttribute("aria-busy", "true");
    try {
      const preview = await api(`${base}/roster/preview`, {
        method: "POST",
        body: data,
        headers: { "Content-Type": "text/csv" },
      });
      const body = output.querySelector("tbody");
      body.replaceChildren();
      for (const row of preview.rows) {
        const tr = document.createElement("tr");
        tr.append(cell(row.line), cell(row.email), cell(row.name), cell(row.group || ""), cell(row.level || ""));
        tr.append(cell(row.action), cell(row.problems.join("; ")));
        if (row.action === "skip") tr.classList.add("row-error");
        body.append(tr);
      }
      const counts = Object.entries(preview.counts).map(([k, v]) => `${v} ${k}`).join(", ");
      output.querySelector("[data-roster-summary]").textContent =
        `${preview.total} rows (${counts}); ${preview.errors} with problems. Read as ${preview.encoding}, ` +
        `separated by "${preview.delimiter}".`;
      output.hidden = false;
      confirmButton.hidden = preview.errors > 0;
      confirmButton.disabled = preview.errors > 0;
      confirmButton.textContent = `Import these ${preview.total} people`;
      if (busy) busy.textContent = "";
    } catch (error) {
      if (busy) busy.textContent = "";
      showError(roster, error);
    } finally {
      roster.removeAttribute("aria-busy");
    }
  });
  confirmButton?.addEventListener("click", async () => {
    confirmButton.disabled = true;
    result.textContent = "Importing… (all rows or none; a few seconds for thousands of rows)";
    result.hidden = false;
    try {
      // A background job on the api-tasks worker (all rows or none); its status is polled for "n of m".
      let job = await api(`${base}/roster/jobs`, { method: "POST", body: data, headers: { "Content-Type": "text/csv" } });
      while (job.state === "queued" || job.state === "running") {
        result.textContent =
          job.state === "queued" ? "Waiting for the import to start…" : `Importing… ${job.done} of ${job.total} rows written.`;
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await api(`${base}/roster/jobs/${job.id}`);
      }
      if (job.state === "failed") throw new Error(job.error || "The import failed; nothing was imported.");
      const done = job.result;
      result.textContent =
        `Imported: ${done.added} added (${done.invited} invited by mail), ${done.updated} updated, ` +
        `${done.unchanged} unchanged.`;
      result.hidden = false;
      confirmButton.hidden = true;
    } catch (error) {
      result.textContent = error.message;
      result.hidden = false;
      confirmButton.disabled = false;
    }
  });
}
