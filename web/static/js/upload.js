// File uploads on assessment pages (web/templates/files/_question_files.html.j2): drop files (or a zip) on a
// [data-file-drop] zone or choose them; each file is sent on its own (the body is the file) with XMLHttpRequest so
// its progress bar moves as it uploads. The server checks every cap and answers in words; those words are shown
// beside the file. A code question's uploaded sources are then submitted together as one program.

import { api, csrfToken, refreshSession } from "/static/js/api.js";

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function uploadUrl(zone, file) {
  const params = new URLSearchParams({ name: file.name, purpose: zone.dataset.purpose });
  if (zone.dataset.assessment) params.set("assessmentId", zone.dataset.assessment);
  if (zone.dataset.questionId) params.set("questionId", zone.dataset.questionId);
  if (zone.dataset.problem) params.set("problemId", zone.dataset.problem);
  if (file.name.toLowerCase().endsWith(".zip") && zone.dataset.purpose !== "attachment") params.set("unzip", "true");
  return `/api/courses/${zone.dataset.course}/files?${params}`;
}

function messageOf(xhr) {
  try {
    const body = JSON.parse(xhr.responseText);
    if (body && typeof body.detail === "string") return body.detail;
  } catch {
    // not JSON: fall through
  }
  if (xhr.status === 0) return "Verdict could not be reached: check your connection and try again.";
  if (xhr.status === 413) return "That file is too large.";
  return `The upload failed (HTTP ${xhr.status}).`;
}

// One file, one request; resolves with the files the server made (a zip makes several).
function send(zone, file, row, retry = true) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl(zone, file));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    const token = csrfToken();
    if (token) xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        row.bar.max = event.total;
        row.bar.value = event.loaded;
        row.status.textContent = `${Math.round((100 * event.loaded) / event.total)} %`;
      }
    });
    xhr.addEventListener("load", async () => {
      if (xhr.status === 401 && retry && (await refreshSession())) {
        send(zone, file, row, false).then(resolve, reject);
        return;
      }
      if (xhr.status === 201) {
        resolve(JSON.parse(xhr.responseText).files);
      } else {
        reject(new Error(messageOf(xhr)));
      }
    });
    xhr.addEventListener("error", () => reject(new Error(messageOf(xhr))));
    xhr.send(file);
  });
}

function fileRow(list, name, size) {
  const item = document.createElement("li");
  item.className = "upload-row";
  const label = document.createElement("span");
  label.className = "upload-name";
  label.textContent = `${name} (${formatBytes(size)})`;
  const bar = document.createElement("progress");
  bar.max = Math.max(size, 1);
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${name}`);
  const status = document.createElement("span");
  status.className = "upload-status";
  status.setAttribute("role", "status");
  item.append(label, bar, status);
  list.append(item);
  return { item, bar, status };
}

function storedRow(zone, list, file) {
  const item = document.createElement("li");
  item.className = "upload-row upload-done";
  item.dataset.fileId = file.id;
  const link = document.createElement("a");
  link.href = file.downloadUrl;
  link.textContent = file.name;
  item.append(link, ` ${formatBytes(file.size)} `);
  if (zone.dataset.editable === "true") {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button-small";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    remove.addEventListener("click", async () => {
      try {
        await api(`/api/courses/${zone.dataset.course}/files/${file.id}`, { method: "DELETE" });
        item.remove();
        zone.dispatchEvent(new CustomEvent("files-changed", { bubbles: true }));
      } catch (error) {
        item.querySelector(".upload-status")?.remove();
        const note = document.createElement("span");
        note.className = "upload-status upload-error";
        note.textContent = error.message;
        item.append(note);
      }
    });
    item.append(remove);
  }
  list.append(item);
}

async function uploadAll(zone, files) {
  const list = zone.querySelector("[data-upload-list]");
  const stored = zone.querySelector("[data-stored-list]");
  list.querySelectorAll(".upload-done").forEach((row) => row.remove()); // the last batch's finished bars
  const jobs = Array.from(files).map(async (file) => {
    const row = fileRow(list, file.name, file.size);
    try {
      const made = await send(zone, file, row);
      row.bar.value = row.bar.max;
      row.status.textContent = "uploaded";
      row.item.classList.add("upload-done");
      made.forEach((f) => storedRow(zone, stored, f));
    } catch (error) {
      row.item.classList.add("upload-failed");
      row.status.textContent = error.message;
      row.status.classList.add("upload-error");
      row.status.setAttribute("role", "alert");
    }
  });
  await Promise.all(jobs);
  zone.dispatchEvent(new CustomEvent("files-changed", { bubbles: true }));
}

// A file answer is saved as the list of its files' names (the hidden [data-text] of the question, which
// assessments.js saves on "change"), so the grader sees that it was answered.
function noteAnswer(zone) {
  if (zone.dataset.purpose !== "answer") return;
  const text = zone.querySelector("[data-text]");
  if (!text) return;
  const names = Array.from(zone.querySelectorAll("[data-stored-list] [data-file-id] a")).map((a) => a.textContent);
  text.value = names.join(", ");
  text.dispatchEvent(new Event("change", { bubbles: true }));
}

async function loadStored(zone) {
  const stored = zone.querySelector("[data-stored-list]");
  const params = new URLSearchParams({ purpose: zone.dataset.purpose });
  if (zone.dataset.purpose !== "attachment") params.set("mine", "true");
  if (zone.dataset.assessment) params.set("assessmentId", zone.dataset.assessment);
  if (zone.dataset.questionId) params.set("questionId", zone.dataset.questionId);
  if (zone.dataset.problem) params.set("problemId", zone.dataset.problem);
  try {
    const { files } = await api(`/api/courses/${zone.dataset.course}/files?${params}`);
    stored.replaceChildren();
    files.forEach((f) => storedRow(zone, stored, f));
    const title = zone.querySelector("[data-file-list-title]");
    if (title) title.hidden = files.length === 0;
  } catch {
    // the list stays empty; uploading still works and reports its own errors
  }
}

function wireZone(zone) {
  const input = zone.querySelector("input[type=file]");
  const target = zone.querySelector("[data-drop-target]") || zone;
  if (input) {
    input.addEventListener("change", (event) => {
      event.stopPropagation(); // the question's autosave waits for the upload (see noteAnswer)
      uploadAll(zone, input.files);
      input.value = "";
    });
  }
  ["dragenter", "dragover"].forEach((type) =>
    target.addEventListener(type, (event) => {
      event.preventDefault();
      target.classList.add("drop-active");
    }),
  );
  ["dragleave", "drop"].forEach((type) =>
    target.addEventListener(type, () => target.classList.remove("drop-active")),
  );
  target.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(zone, event.dataTransfer.files);
  });
  zone.addEventListener("files-changed", () => noteAnswer(zone));
  if (!("noList" in zone.dataset)) loadStored(zone);
}

// The staff's files page: where the next attachments go (the course, an assessment or a problem).
function wireAttachTarget(select) {
  const zone = document.querySelector("[data-file-drop][data-purpose=attachment]");
  select.addEventListener("change", () => {
    const [kind, id] = select.value.split(":");
    delete zone.dataset.assessment;
    delete zone.dataset.problem;
    if (kind === "assessment") zone.dataset.assessment = id;
    if (kind === "problem") zone.dataset.problem = id;
  });
}

function wireProgramSubmit(button) {
  const zone = button.closest("[data-file-drop]");
  const question = zone.closest("[data-question]") || zone;
  const note = zone.querySelector("[data-files-note]");
  button.addEventListener("click", async () => {
    const ids = Array.from(zone.querySelectorAll("[data-stored-list] [data-file-id]")).map((li) => li.dataset.fileId);
    const language = question.querySelector("[data-language]")?.value || "python3";
    note.classList.remove("upload-error");
    if (!ids.length) {
      note.textContent = "Upload the program's files first.";
      note.classList.add("upload-error");
      return;
    }
    try {
      const result = await api(`/api/courses/${zone.dataset.course}/files/submissions`, {
        method: "POST",
        json: { language, fileIds: ids, assessmentId: zone.dataset.assessment, questionId: zone.dataset.questionId },
      });
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/submissions/${result.submissionId}`;
      link.textContent = `Submitted ${ids.length} files just now`;
      item.append(link, ` ${result.status}`);
      question.querySelector("[data-submissions]")?.append(item);
      note.textContent = "Files submitted: they are being judged together.";
    } catch (error) {
      note.textContent = error.message;
      note.classList.add("upload-error");
    }
  });
}

document.querySelectorAll("[data-file-drop]").forEach(wireZone);
document.querySelectorAll("[data-file-list]").forEach(loadStored);
document.querySelectorAll("[data-attach-target]").forEach(wireAttachTarget);
document.querySelectorAll("[data-submit-files]").forEach(wireProgramSubmit);
