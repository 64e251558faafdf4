// The LMS grade-sync page: "Retry failed now" puts failed rows back in the queue, then reloads the page.
import { api } from "./api.js";

const button = document.querySelector("[data-sync-retry]");
const result = document.querySelector("[data-sync-result]");
if (button) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const out = await api(button.dataset.syncRetry, { method: "POST" });
      result.textContent = `${out.requeued} queued again; they are sent within a minute.`;
      setTimeout(() => window.location.reload(), 1500);
    } catch (error) {
      result.textContent = `Could not retry: ${error.detail || error.message}`;
      button.disabled = false;
    }
  });
}

const importButton = document.querySelector("[data-roster-import]");
const importResult = document.querySelector("[data-roster-import-result]");
if (importButton) {
  importButton.addEventListener("click", async () => {
    importButton.disabled = true;
    try {
      const out = await api(importButton.dataset.rosterImport, { method: "POST" });
      importResult.textContent = `${out.members} people in the LMS course, ${out.added} newly enrolled.`;
    } catch (error) {
      importResult.textContent = `Could not import: ${error.detail || error.message}`;
    }
    importButton.disabled = false;
  });
}
