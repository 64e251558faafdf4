// Program output as inert text (the same rules as the server's `inert` filter, api/pages/filters.py): only text
// nodes are created (never HTML), control and invisible characters are shown as visible symbols, and long
// output is cut with a note saying so.

export const OUTPUT_LIMIT = 20000;
// The judge keeps this much of a program's stdout and stderr per visible test (OUTPUT_SHOWN_CAP in
// judge_worker/grader.py); a result's stdoutTruncated / stderrTruncated says when it cut the rest.
export const JUDGE_OUTPUT_CAP = 4096;
const SPECIAL = /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

function symbolFor(char) {
  const code = char.codePointAt(0);
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

// Replace the content of `element` (a <pre>) with `text`. Returns whether the text was truncated.
// `cutByJudge`: the judge kept only the first JUDGE_OUTPUT_CAP bytes of this output (the result's flag).
export function showInert(element, text, { limit = OUTPUT_LIMIT, cutByJudge = false } = {}) {
  element.replaceChildren();
  const value = text == null ? "" : String(text);
  const shown = value.slice(0, limit);
  let last = 0;
  for (const match of shown.matchAll(SPECIAL)) {
    if (match.index > last) element.append(document.createTextNode(shown.slice(last, match.index)));
    const span = document.createElement("span");
    span.className = "ctl";
    const code = match[0].codePointAt(0);
    span.title = `${code < 0xa0 ? "control" : "invisible"} character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    span.textContent = symbolFor(match[0]);
    element.append(span);
    last = match.index + match[0].length;
  }
  if (last < shown.length) element.append(document.createTextNode(shown.slice(last)));
  if (value === "" && element.dataset.emptyText) {
    const span = document.createElement("span");
    span.className = "empty-output";
    span.textContent = element.dataset.emptyText;
    element.append(span);
  }
  const note = element.nextElementSibling?.classList.contains("truncated-note") ? element.nextElementSibling : null;
  const truncated = value.length > limit || cutByJudge;
  if (truncated) {
    const text =
      value.length > limit
        ? `Truncated: showing the first ${limit.toLocaleString("en")} of ${value.length.toLocaleString("en")} characters.`
        : `Truncated: the judge keeps the first ${JUDGE_OUTPUT_CAP / 1024} KiB of a program's output; the rest is not shown.`;
    if (note) note.textContent = text;
    else {
      const p = document.createElement("p");
      p.className = "truncated-note";
      p.textContent = text;
      element.after(p);
    }
  } else if (note) {
    note.remove();
  }
  return truncated;
}
