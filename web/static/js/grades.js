// The student's side of grading on the assessment page: once grades are released, each question's score, the
// rubric items applied, the grader's comments (those on lines shown under the line of the program) and a form
// to ask for a regrade. Everything comes from /api/courses/<id>/grades and is inserted as text, never markup.

import { api } from "./api.js";

const section = document.querySelector("[data-my-grades]");
const status = section.querySelector("[data-my-grades-status]");
const list = section.querySelector("[data-my-grades-list]");

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function sourceWithComments(q) {
  const pre = el("pre", null, "code source-review");
  pre.setAttribute("aria-label", `Your program for question ${q.position + 1}, with the grader's comments`);
  const byLine = new Map();
  for (const c of q.comments) byLine.set(c.line, [...(byLine.get(c.line) || []), c]);
  q.source.split("\n").forEach((text, index) => {
    const line = index + 1;
    const row = el("span", null, `source-line${byLine.has(line) ? " commented-line" : ""}`);
    row.dataset.line = String(line);
    row.append(el("span", String(line), "line-no"), `${text}\n`);
    pre.append(row);
    for (const c of byLine.get(line) || []) {
      const note = el("span", null, "line-comment");
      note.dataset.commentLine = String(line);
      note.append(el("strong", `Line ${line}: `), c.text, c.authorName ? el("span", ` — ${c.authorName}`, "muted") : "");
      note.append("\n");
      pre.append(note);
    }
  });
  return pre;
}

function regradeBlock(q) {
  const box = el("div", null, "regrades");
  for (const r of q.regrades) {
    const p = el("p", null, "small");
    p.append(el("strong", r.status === "open" ? "Regrade asked: " : "Regrade resolved: "), r.status === "open" ? r.message : r.outcome);
    if (r.status === "resolved" && r.scoreAfter !== null) p.append(` (score ${r.scoreBefore ?? "—"} → ${r.scoreAfter} %)`);
    box.append(p);
  }
  if (q.regrades.some((r) => r.status === "open")) return box;
  const form = el("form", null, "form");
  form.dataset.regradeForm = q.questionId;
  const id = `regrade-${q.questionId}`;
  const label = el("label", "Ask for a regrade: what should the grader look at again?");
  label.htmlFor = id;
  const text = el("textarea");
  text.id = id;
  text.rows = 3;
  text.required = true;
  text.maxLength = 5000;
  const error = el("p", null, "alert alert-error");
  error.hidden = true;
  error.setAttribute("role", "alert");
  const button = el("button", "Ask for a regrade", "button button-quiet");
  button.type = "submit";
  form.append(label, text, error, button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`${section.dataset.myGrades}/questions/${q.questionId}/regrade`, { method: "POST", json: { message: text.value } });
      await load();
    } catch (err) {
      error.textContent = err.detail || err.message;
      error.hidden = false;
    }
  });
  box.append(form);
  return box;
}

async function load() {
  let grades;
  try {
    grades = await api(section.dataset.myGrades);
  } catch (err) {
    status.textContent = err.detail || err.message;
    return;
  }
  if (!grades.released) {
    status.textContent = "Your grader's feedback is shown here once the grades are released.";
    list.replaceChildren();
    return;
  }
  status.textContent = "";
  list.replaceChildren(
    ...grades.questions.map((q) => {
      const card = el("article", null, "my-grade");
      card.dataset.gradeQuestion = q.questionId;
      card.append(el("h3", `Question ${q.position + 1}: ${q.score === null ? "not graded yet" : `${q.score} %`}`));
      if (q.rubric.length) {
        const ul = el("ul", null, "rubric applied-rubric");
        ul.setAttribute("aria-label", "Rubric items applied");
        for (const item of q.rubric) {
          const li = el("li", null, "rubric-item applied");
          li.append(el("span", item.title, "rubric-title"), " ", el("span", `${item.points > 0 ? "+" : ""}${item.points}`, `rubric-points ${item.points < 0 ? "negative" : "positive"}`));
          if (item.description) li.append(el("p", item.description, "muted small"));
          ul.append(li);
        }
        card.append(ul);
      }
      if (q.overrideReason) card.append(el("p", `Score set by the grader: ${q.overrideReason}`, "small"));
      if (q.overallComment) card.append(el("blockquote", q.overallComment, "essay overall-comment"));
      if (q.source !== null) card.append(sourceWithComments(q));
      card.append(regradeBlock(q));
      return card;
    }),
  );
}

load();
