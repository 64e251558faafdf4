// The gradebook's score import (preview, then commit), the release button of a grading queue, and the resolve
// forms of regrade requests. Every change goes to the JSON API; the page reloads to show the result.

import { api } from "./api.js";

function show(box, text) {
  if (!box) return;
  box.textContent = text;
  box.hidden = !text;
}

const importer = document.querySelector("[data-score-import]");
if (importer) {
  const { api: base } = JSON.parse(document.getElementById("gradebook-data").textContent);
  const error = importer.querySelector("[data-import-error]");
  const done = importer.querySelector("[data-import-done]");
  const table = importer.querySelector("[data-import-rows]");
  const commit = importer.querySelector("[data-import-commit]");
  const send = async (suffix) => {
    const file = importer.querySelector("[data-import-file]").files[0];
    if (!file) throw new Error("Choose a CSV file first.");
    const aid = importer.querySelector("[data-import-assessment]").value;
    return api(`${base}/gradebook/assessments/${aid}/import${suffix}`, { method: "POST", body: await file.arrayBuffer(), headers: { "Content-Type": "text/csv" } });
  };
  importer.querySelector("[data-import-preview]").addEventListener("click", async () => {
    show(error, "");
    show(done, "");
    try {
      const preview = await send("/preview");
      const body = table.querySelector("tbody");
      body.replaceChildren(
        ...preview.rows.map((row) => {
          const tr = document.createElement("tr");
          const cells = [String(row.line), row.email, row.changes.map((c) => `${c.question}: ${c.from ?? "—"} → ${c.to}`).join(", "), row.problems.join("; ")];
          for (const text of cells) {
            const td = document.createElement("td");
            td.textContent = text;
            tr.append(td);
          }
          if (row.problems.length) tr.className = "row-problem";
          return tr;
        }),
      );
      table.hidden = false;
      commit.disabled = preview.problems > 0 || preview.changes === 0;
      show(done, preview.problems ? `${preview.problems} problems: fix the file, nothing can be imported yet.` : `${preview.changes} scores would change.`);
    } catch (err) {
      show(error, err.detail || err.message);
    }
  });
  commit.addEventListener("click", async () => {
    show(error, "");
    try {
      const result = await send("");
      show(done, `Imported: ${result.changes} scores changed.`);
      window.setTimeout(() => window.location.reload(), 800);
    } catch (err) {
      show(error, err.detail || err.message);
    }
  });
}

const release = document.querySelector("[data-release]");
if (release) {
  const button = release.querySelector("[data-release-action]");
  button.addEventListener("click", async () => {
    try {
      await api(release.dataset.release, { method: button.dataset.releaseAction });
      window.location.reload();
    } catch (err) {
      show(release.querySelector("[data-release-error]"), err.detail || err.message);
    }
  });
}

for (const form of document.querySelectorAll("[data-regrade-resolve]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const percent = data.get("percent");
    try {
      await api(form.dataset.regradeResolve, {
        method: "POST",
        json: { outcome: data.get("outcome"), percent: percent === "" ? null : Number(percent) },
      });
      window.location.reload();
    } catch (err) {
      show(form.querySelector("[data-form-error]"), err.detail || err.message);
    }
  });
}
