// Where a visible test's output first differs from the expected one, for live results: the same rules and words
// as api/pages/difference.py (lines compared without trailing spaces or blank lines at the end).
import { JUDGE_OUTPUT_CAP, showInert } from "./text.js";

const WINDOW = 60;

function lines(text) {
  const result = text.split("\n").map((line) => line.replace(/\s+$/u, ""));
  while (result.length && !result[result.length - 1]) result.pop();
  return result;
}

function windowStart(longest, column) {
  return longest <= WINDOW ? 0 : Math.max(0, Math.min(column - Math.floor(WINDOW / 2), longest - WINDOW));
}

function cut(text, start) {
  const chars = [...text];
  const prefix = start ? "…" : "";
  const suffix = start + WINDOW < chars.length ? "…" : "";
  return prefix + chars.slice(start, start + WINDOW).join("") + suffix;
}

export function firstDifference(expected, received) {
  if (expected == null || received == null) return null;
  const capped = new TextEncoder().encode(received).length >= JUDGE_OUTPUT_CAP;
  const want = lines(expected);
  const got = lines(received);
  for (let i = 0; i < Math.min(want.length, got.length); i += 1) {
    if (want[i] === got[i]) continue;
    if (capped && i + 1 === got.length) return null;
    const a = [...want[i]];
    const b = [...got[i]];
    let column = 0;
    while (column < a.length && column < b.length && a[column] === b[column]) column += 1;
    const start = windowStart(Math.max(a.length, b.length), column);
    const caret = column - start + (start ? 1 : 0);
    return { line: i + 1, column: column + 1, expected: cut(want[i], start), received: cut(got[i], start), caret };
  }
  if (got.length < want.length) {
    if (capped) return null;
    return { line: got.length + 1, column: 1, expected: cut(want[got.length], 0), received: null, caret: 0 };
  }
  if (got.length > want.length) {
    return { line: want.length + 1, column: 1, expected: null, received: cut(got[want.length], 0), caret: 0 };
  }
  return null;
}

export function summary(d) {
  if (d.received == null) return `Your output ends too early: line ${d.line} is missing.`;
  if (d.expected == null) return `Your output goes on after the answer: line ${d.line} should not be there.`;
  return `Line ${d.line}, column ${d.column} is the first difference.`;
}

// The block the submission page renders for the same test (web/templates/_macros.html.j2), or null.
export function differenceBlock(expected, received) {
  const d = firstDifference(expected, received);
  if (!d) return null;
  const block = document.createElement("div");
  block.className = "io-block first-difference";
  block.dataset.firstDifference = "";
  const caption = document.createElement("div");
  caption.className = "io-label";
  caption.textContent = "First difference";
  const text = document.createElement("p");
  text.className = "difference-summary";
  text.textContent = summary(d);
  const pre = document.createElement("pre");
  pre.className = "output difference-lines";
  pre.tabIndex = 0;
  pre.setAttribute("aria-label", "Expected and received lines");
  let shown = `Expected: ${d.expected ?? "(nothing more)"}\nReceived: ${d.received ?? "(nothing: your output ended)"}`;
  if (d.expected != null && d.received != null) shown += `\n${" ".repeat(10 + d.caret)}^`;
  showInert(pre, shown);
  block.append(caption, text, pre);
  return block;
}
