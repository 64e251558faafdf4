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
