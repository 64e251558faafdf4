// "Explain my failing test" (AI, #14) on one's own submission: POST the test, read the server-sent events as they
// come (chunk, then done, withheld or error) and show the text growing. Errors (429: too many hints) are shown.

import { csrfToken } from "./api.js";

const root = document.querySelector("[data-hint]");
const form = root.querySelector("[data-hint-form]");
const out = root.querySelector("[data-hint-text]");
const errorBox = root.querySelector("[data-hint-error]");

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function handle(block) {
  let kind = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) kind = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (!data) return;
  const payload = JSON.parse(data);
  if (kind === "chunk") out.textContent += payload.text;
  else if (kind === "withheld" || kind === "error") showError(payload.message);
  else if (kind === "done") root.dataset.hintDone = "true";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  out.textContent = "";
  delete root.dataset.hintDone;
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const resp = await fetch(root.dataset.hint, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ submissionId: root.dataset.hintSubmission, test: Number(new FormData(form).get("test")) }),
    });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      showError(body.detail || `The hint failed (${resp.status}).`);
      return;
    }
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    if (buffer.trim()) handle(buffer);
  } finally {
    button.disabled = false;
  }
});
