// The grading page of one answer: the source in a read-only Monaco with comments in the gutter, the live test
// results, the rubric (1–9 toggles an item), line comments (c), the overall comment and the override. j/n and
// k/p move to the next and previous answer; ? shows the shortcuts. Every change goes to the JSON API, which
// answers the whole answer again, so the panel always shows what the server holds.

import { api } from "./api.js";
import { languageInfo } from "./languages.js";
import { showLive } from "./live.js";
import { ResultsView } from "./results.js";
import { effectiveTheme } from "./site.js";

const root = document.querySelector("[data-grading]");
const gradingApi = root.dataset.grading;
const answerApi = root.dataset.answer;
let detail = JSON.parse(document.getElementById("grading-data").textContent);
const errorBox = document.querySelector("[data-grading-error]");
const savedBox = document.querySelector("[data-grading-saved]");
const editor = { instance: null, monaco: null, decorations: null };

function show(box, text) {
  box.textContent = text;
  box.hidden = !text;
}

async function call(path, options, message) {
  show(errorBox, "");
  try {
    const answer = await api(path, options);
    if (message) show(savedBox, message);
    return answer;
  } catch (err) {
    show(errorBox, err.detail || err.message);
    throw err;
  }
}

function pct(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100) / 100}`;
}

function render() {
  document.querySelector("[data-grade-score]").textContent = pct(detail.score);
  const base = document.querySelector("[data-base]");
  base.textContent = detail.overridePercent !== null ? `(overridden; derived ${pct(detail.baseScore)})` : `(derived ${pct(detail.baseScore)})`;
  const list = document.querySelector("[data-rubric]");
  list.replaceChildren(
    ...detail.rubric.map((item, index) => {
      const li = document.createElement("li");
      const applied = detail.applied.includes(item.id);
      const button = document.createElement("button");
      button.type = "button";
      button.className = `rubric-item${applied ? " applied" : ""}`;
      button.setAttribute("aria-pressed", String(applied));
      button.dataset.rubricItem = item.id;
      if (index < 9) button.setAttribute("aria-keyshortcuts", String(index + 1));
      const key = document.createElement("kbd");
      key.textContent = index < 9 ? String(index + 1) : "";
      const title = document.createElement("span");
      title.className = "rubric-title";
      title.textContent = item.title;
      const points = document.createElement("span");
      points.className = `rubric-points ${item.points < 0 ? "negative" : "positive"}`;
      points.textContent = `${item.points > 0 ? "+" : ""}${item.points}`;
      button.append(key, " ", title, " ", points);
      button.addEventListener("click", () => toggle(item.id));
      li.append(button);
      if (item.description) {
        const p = document.createElement("p");
        p.className = "muted small";
        p.textContent = item.description;
        li.append(p);
      }
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "link-button small";
      edit.textContent = "Edit";
      edit.setAttribute("aria-label", `Edit ${item.title}`);
      edit.addEventListener("click", () => editItem(item));
      li.append(" ", edit);
      return li;
    }),
  );
  const comments = document.querySelector("[data-comments]");
  if (comments) {
    comments.replaceChildren(
      ...detail.comments.map((c) => {
        const li = document.createElement("li");
        const where = document.createElement("button");
        where.type = "button";
        where.className = "link-button";
        where.textContent = `Line ${c.line}`;
        where.addEventListener("click", () => revealLine(c.line));
        const text = document.createElement("span");
        text.textContent = `: ${c.text}`;
        const who = document.createElement("span");
        who.className = "muted small";
        who.textContent = c.authorName ? ` — ${c.authorName}` : "";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button small";
        remove.textContent = "Delete";
        remove.setAttribute("aria-label", `Delete the comment on line ${c.line}`);
        remove.addEventListener("click", async () => {
          await call(`${gradingApi}/comments/${c.id}`, { method: "DELETE" }, "Comment deleted.");
          await reload();
        });
        li.append(where, text, who, " ", remove);
        return li;
      }),
    );
  }
  const overall = document.getElementById("overall-comment");
  if (document.activeElement !== overall) overall.value = detail.overallComment;
  const percent = document.getElementById("override-percent");
  const reason = document.getElementById("override-reason");
  if (document.activeElement !== percent) percent.value = detail.overridePercent ?? "";
  if (document.activeElement !== reason) reason.value = detail.overrideReason;
  decorate();
}

async function reload() {
  detail = await api(answerApi);
  render();
}

async function toggle(itemId) {
  const applied = detail.applied.includes(itemId);
  detail = await call(`${answerApi}/rubric/${itemId}`, { method: applied ? "DELETE" : "PUT" }, applied ? "Item removed." : "Item applied.");
  render();
}

async function editItem(item) {
  const title = window.prompt("Title of the rubric item", item.title);
  if (title === null) return;
  const points = window.prompt("Points (% of the question; negative takes away)", String(item.points));
  if (points === null) return;
  try {
    await call(
      `${gradingApi}/rubric/${item.id}`,
      { method: "PUT", json: { version: item.version, title, points: Number(points), description: item.description } },
      "Item saved: every answer it is applied to has its new score.",
    );
  } finally {
    await reload();
  }
}

document.querySelector("[data-rubric-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  await call(
    `${gradingApi}/questions/${detail.questionId}/rubric`,
    { method: "POST", json: { title: data.get("title"), points: Number(data.get("points")), description: data.get("description") || "" } },
    "Item added.",
  );
  form.reset();
  await reload();
});

const commentForm = document.querySelector("[data-comment-form]");
commentForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(commentForm);
  await call(
    `${answerApi}/comments`,
    { method: "POST", json: { line: Number(data.get("line")), text: data.get("text"), submissionId: detail.submissionId } },
    "Comment added.",
  );
  commentForm.querySelector("textarea").value = "";
  await reload();
});

document.querySelector("[data-overall-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  detail = await call(`${answerApi}/comment`, { method: "PUT", json: { text: document.getElementById("overall-comment").value } }, "Comment saved.");
  render();
});

document.querySelector("[data-override-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const percent = document.getElementById("override-percent").value;
  const reason = document.getElementById("override-reason").value;
  detail = await call(`${answerApi}/override`, { method: "PUT", json: { percent: Number(percent), reason } }, "Score overridden.");
  render();
});

document.querySelector("[data-override-clear]").addEventListener("click", async () => {
  detail = await call(`${answerApi}/override`, { method: "DELETE" }, "Override removed.");
  render();
});

// --- the source ------------------------------------------------------------------------------------------------
function commentOn(line) {
  if (!commentForm) return;
  commentForm.querySelector("[name=line]").value = String(line);
  commentForm.querySelector("textarea").focus();
}

function revealLine(line) {
  if (editor.instance) {
    editor.instance.revealLineInCenter(line);
    editor.instance.setPosition({ lineNumber: line, column: 1 });
  } else {
    document.querySelector(`[data-line="${line}"]`)?.scrollIntoView({ block: "center" });
  }
}

function cursorLine() {
  return editor.instance?.getPosition()?.lineNumber || Number(commentForm?.querySelector("[name=line]").value) || 1;
}

function decorate() {
  const lines = [...new Set(detail.comments.map((c) => c.line))];
  if (editor.instance) {
    const { monaco } = editor;
    const marks = lines.map((line) => ({
      range: new monaco.Range(line, 1, line, 1),
      options: {
        isWholeLine: true,
        className: "commented-line",
        glyphMarginClassName: "comment-glyph",
        glyphMarginHoverMessage: { value: detail.comments.filter((c) => c.line === line).map((c) => c.text).join("\n\n") },
      },
    }));
    editor.decorations?.clear();
    editor.decorations = editor.instance.createDecorationsCollection(marks);
  }
  for (const span of document.querySelectorAll("[data-line]")) {
    span.classList.toggle("commented-line", lines.includes(Number(span.dataset.line)));
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function startMonaco(frame) {
  const base = "/static/vendor/monaco/vs";
  window.MonacoEnvironment = {
    getWorkerUrl() {
      const origin = window.location.origin;
      const code = `self.MonacoEnvironment = { baseUrl: "${origin}/static/vendor/monaco/" };\nimportScripts("${origin}${base}/base/worker/workerMain.js");`;
      return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    },
  };
  await loadScript(`${base}/loader.js`);
  window.require.config({ paths: { vs: base } });
  const monaco = await new Promise((resolve, reject) => window.require(["vs/editor/editor.main"], () => resolve(window.monaco), reject));
  frame.querySelector("[data-source-fallback]").remove();
  const instance = monaco.editor.create(frame, {
    value: detail.source,
    language: languageInfo(detail.language).monaco,
    readOnly: true,
    domReadOnly: true,
    glyphMargin: true,
    theme: effectiveTheme() === "dark" ? "vs-dark" : "vs",
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 14,
    scrollBeyondLastLine: false,
    ariaLabel: "The student's program (read only)",
  });
  instance.onMouseDown((event) => {
    const { GUTTER_GLYPH_MARGIN, GUTTER_LINE_NUMBERS } = monaco.editor.MouseTargetType;
    if ([GUTTER_GLYPH_MARGIN, GUTTER_LINE_NUMBERS].includes(event.target.type) && event.target.position) {
      commentOn(event.target.position.lineNumber);
    }
  });
  editor.monaco = monaco;
  editor.instance = instance;
  document.addEventListener("verdict:theme", (event) => monaco.editor.setTheme(event.detail.theme === "dark" ? "vs-dark" : "vs"));
  frame.dataset.ready = "true";
  decorate();
}

const frame = document.getElementById("source");
if (frame) {
  for (const span of frame.querySelectorAll("[data-line]")) {
    span.querySelector(".line-no").addEventListener("click", () => commentOn(Number(span.dataset.line)));
  }
  startMonaco(frame).catch(() => {
    frame.dataset.ready = "fallback"; // the plain listing stays, with clickable line numbers
  });
}

const results = document.getElementById("results");
if (results && detail.submissionId) showLive(new ResultsView(results), detail.submissionId, { testCount: detail.testCount });

// --- the keyboard ----------------------------------------------------------------------------------------------
const help = document.querySelector("[data-shortcut-help]");
document.querySelector("[data-shortcuts]").addEventListener("click", () => help.showModal());

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable=true]") && !target.closest(".monaco-editor");
}

function go(selector) {
  const link = document.querySelector(selector);
  if (link?.href) window.location.assign(link.href);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape" && typing(event.target)) {
    event.target.blur();
    return;
  }
  if (typing(event.target) || help.open) return;
  const key = event.key;
  if (key === "j" || key === "n") go("[data-next]");
  else if (key === "k" || key === "p") go("[data-previous]");
  else if (key === "?") help.showModal();
  else if (key === "c" && commentForm) commentOn(cursorLine());
  else if (/^[1-9]$/.test(key) && detail.rubric[Number(key) - 1]) toggle(detail.rubric[Number(key) - 1].id);
  else return;
  event.preventDefault();
});

render();
