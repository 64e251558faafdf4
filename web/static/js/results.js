// The results panel of a submission (web/templates/_results.html.j2): one row per test, reserved up front so
// nothing moves as results stream in, and a summary line that keeps its height.
import { differenceBlock } from "./difference.js";
import { formatMemory, formatMs } from "./format.js";
import { showInert } from "./text.js";

export const VERDICT_NAMES = {
  AC: "Accepted",
  WA: "Wrong answer",
  TLE: "Time limit exceeded",
  MLE: "Memory limit exceeded",
  OLE: "Output limit exceeded",
  RTE: "Run-time error",
  CE: "Compilation error",
  IE: "Internal error",
};

export function verdictBadge(verdict, { running = false, skipped = false } = {}) {
  const span = document.createElement("span");
  span.className = "verdict";
  if (skipped) {
    span.classList.add("verdict-skipped");
    span.textContent = "Not run";
  } else if (verdict) {
    span.classList.add(`verdict-${verdict}`);
    span.textContent = verdict;
    span.title = VERDICT_NAMES[verdict] || verdict;
  } else if (running) {
    span.classList.add("verdict-running");
    span.textContent = "Running";
  } else {
    span.textContent = "…";
    span.title = "Waiting";
  }
  return span;
}

function formatPoints(points, max) {
  if (max == null || max === 0) return "—";
  const p = Math.round((points || 0) * 100) / 100;
  return `${p} / ${Math.round(max * 100) / 100}`;
}

function cell(className = "") {
  const td = document.createElement("td");
  if (className) td.className = className;
  return td;
}

export class ResultsView {
  constructor(root) {
    this.root = root;
    this.rows = root.querySelector("[data-rows]");
    this.verdict = root.querySelector("[data-final-verdict]");
    this.score = root.querySelector("[data-score]");
    this.status = root.querySelector("[data-status]");
    this.progress = root.querySelector("[data-progress]");
    this.compile = root.querySelector("[data-compile]");
    this.compileOutput = root.querySelector("[data-compile-output]");
    this.message = root.querySelector("[data-message]");
    this.total = 0;
    this.done = new Set();
    this.final = false;
  }

  reset(count) {
    this.rows.replaceChildren();
    this.total = 0;
    this.done.clear();
    this.final = false;
    this.root.dataset.state = "queued";
    this.verdict.replaceChildren(verdictBadge(null));
    this.score.textContent = "";
    this.compile.hidden = true;
    this.message.hidden = true;
    this.ensureRows(count);
    this.updateProgress();
  }

  ensureRows(total) {
    while (this.total < total) {
      const index = this.total;
      const tr = document.createElement("tr");
      tr.dataset.index = String(index);
      tr.dataset.state = "pending";
      const num = cell("num");
      num.textContent = String(index + 1);
      const name = cell("test-name");
      name.textContent = `Test ${index + 1}`;
      const verdict = cell("test-verdict");
      verdict.append(verdictBadge(null));
      const time = cell("num");
      time.textContent = "—";
      const memory = cell("num hide-small");
      memory.textContent = "—";
      const points = cell("num");
      points.textContent = "—";
      tr.append(num, name, verdict, time, memory, points);
      this.rows.append(tr);
      this.total += 1;
    }
  }

  row(index) {
    this.ensureRows(index + 1);
    return this.rows.querySelector(`tr[data-index="${index}"]`);
  }

  markRunning() {
    for (const tr of this.rows.querySelectorAll('tr[data-state="pending"], tr[data-state="running"]')) {
      tr.dataset.state = "pending";
      tr.cells[2].replaceChildren(verdictBadge(null));
    }
    const next = this.rows.querySelector('tr[data-state="pending"]');
    if (next && !this.final) {
      next.dataset.state = "running";
      next.cells[2].replaceChildren(verdictBadge(null, { running: true }));
    }
  }

  setCase(result) {
    const tr = this.row(result.index);
    tr.dataset.state = "done";
    tr.dataset.verdict = result.skipped ? "skipped" : result.verdict;
    if (result.name) tr.cells[1].textContent = result.name;
    tr.cells[2].replaceChildren(verdictBadge(result.verdict, { skipped: result.skipped }));
    tr.cells[3].textContent = result.skipped ? "—" : formatMs(result.cpuMs);
    tr.cells[4].textContent = result.skipped ? "—" : formatMemory(result.memoryKib);
    tr.cells[5].textContent = formatPoints(result.points, result.maxPoints);
    this.done.add(result.index);
    this.attachDetails(tr, result);
    this.updateProgress();
  }

  attachDetails(tr, result) {
    const existing = tr.cells[1].querySelector("button");
    if (existing) return;
    const hasData = !result.hidden && (result.stdout != null || result.input != null || result.message);
    if (!hasData || result.verdict === "AC") return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button details-button";
    button.textContent = "Details";
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      const next = tr.nextElementSibling;
      if (open) {
        if (next?.classList.contains("test-detail")) next.remove();
        return;
      }
      const detail = document.createElement("tr");
      detail.className = "test-detail";
      const td = document.createElement("td");
      td.colSpan = 6;
      for (const [label, value] of [
        ["Input", result.input],
        ["Expected output", result.expected],
        ["Your output", result.stdout],
        ["Standard error", result.stderr],
        ["Checker", result.message],
      ]) {
        if (label === "Standard error" && result.verdict === "WA") {
          const difference = differenceBlock(result.expected, result.stdout);
          if (difference) td.append(difference);
        }
        if (value == null || value === "") continue;
        const block = document.createElement("div");
        block.className = "io-block";
        const caption = document.createElement("div");
        caption.className = "io-label";
        caption.textContent = label;
        const pre = document.createElement("pre");
        pre.className = "output";
        pre.tabIndex = 0;
        pre.setAttribute("aria-label", label);
        block.append(caption, pre);
        td.append(block);
        const cutByJudge =
          (label === "Your output" && result.stdoutTruncated) || (label === "Standard error" && result.stderrTruncated);
        showInert(pre, value, { cutByJudge: Boolean(cutByJudge) });
      }
      detail.append(td);
      tr.after(detail);
    });
    tr.cells[1].append(button);
  }

  updateProgress() {
    const pct = this.total ? Math.round((100 * this.done.size) / this.total) : 0;
    this.progress.style.width = `${this.final ? 100 : pct}%`;
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  // judges: live judge workers (0: none is running, so say so rather than "in the queue"; null: unknown).
  setQueued(position, judges = null) {
    this.root.dataset.state = "queued";
    if (judges === 0) {
      this.root.dataset.judges = "none";
      this.setStatus("Waiting for a judge: no judge is running right now. Your submission is saved and will be judged as soon as one starts.");
      return;
    }
    delete this.root.dataset.judges;
    this.setStatus(position ? `Waiting in the queue: position ${position}.` : "Waiting for a judge…");
  }

  setCompiling() {
    this.root.dataset.state = "compiling";
    this.verdict.replaceChildren(verdictBadge(null, { running: true }));
    this.setStatus("Compiling…");
  }

  setCompiled(ok, output) {
    if (output) {
      this.compile.hidden = false;
      showInert(this.compileOutput, output);
    }
    if (ok) {
      this.root.dataset.state = "judging";
      this.verdict.replaceChildren(verdictBadge(null, { running: true }));
      this.setStatus(`Judging: 0 of ${this.total} tests done.`);
      this.markRunning();
    }
  }

  setProgress() {
    if (this.final) return;
    this.root.dataset.state = "judging";
    this.verdict.replaceChildren(verdictBadge(null, { running: true }));
    this.setStatus(`Judging: ${this.done.size} of ${this.total} tests done.`);
    this.markRunning();
  }

  // The final state: a Finished event, or a whole submission from the API or a snapshot.
  setFinal({ verdict, score, message, compileOutput, results }) {
    this.final = true;
    this.root.dataset.state = "done";
    this.root.dataset.verdict = verdict || "";
    for (const result of results || []) this.setCase(result);
    // Tests the judge did not run (a compilation error, a stopped group) say so instead of waiting forever.
    for (const tr of this.rows.querySelectorAll('tr[data-state="running"], tr[data-state="pending"]')) {
      tr.dataset.state = "not-run";
      tr.cells[2].replaceChildren(verdictBadge(null, { skipped: true }));
    }
    this.verdict.replaceChildren(verdictBadge(verdict));
    this.score.textContent = score == null ? "" : `${Math.round(score * 100) / 100} / 100`;
    if (compileOutput) {
      this.compile.hidden = false;
      showInert(this.compileOutput, compileOutput);
    }
    if (message) {
      this.message.hidden = false;
      this.message.textContent = message;
    }
    const name = VERDICT_NAMES[verdict] || verdict || "Done";
    const passed = this.rows.querySelectorAll('tr[data-verdict="AC"]').length;
    this.setStatus(
      verdict === "CE" ? `${name}: see the compiler output below.` : `${name}: ${passed} of ${this.total} tests passed.`,
    );
    this.updateProgress();
  }
}
