// The problem page: statement math (KaTeX), the Monaco editor with a language selector, starter code and a draft
// per problem and language (localStorage), Run on custom input, Submit with live results.
import { api } from "./api.js";
import { formatMemory, formatMs } from "./format.js";
import { languageInfo } from "./languages.js";
import { showLive } from "./live.js";
import { ResultsView, verdictBadge } from "./results.js";
import { effectiveTheme } from "./site.js";
import { showInert } from "./text.js";

const data = JSON.parse(document.getElementById("problem-data").textContent);
const languageSelect = document.getElementById("language");
const statusLine = document.getElementById("editor-status");
const errorBox = document.getElementById("action-error");
const fallback = document.getElementById("source-fallback");
const runButton = document.getElementById("run-button");
const submitButton = document.getElementById("submit-button");
const resetButton = document.getElementById("reset-code");
const LANGUAGE_KEY = "verdict:language";
const draftKey = (language) => `verdict:draft:${data.slug}:${language}`;

// ---- statement: math and copy buttons -------------------------------------------------------------------------
function typesetMath() {
  if (!window.katex) return;
  for (const el of document.querySelectorAll("#statement .math-inline, #statement .math-display")) {
    const tex = el.textContent;
    try {
      window.katex.render(tex, el, { displayMode: el.classList.contains("math-display"), throwOnError: false });
    } catch {
      el.textContent = tex;
    }
  }
}
typesetMath();

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    const text = source ? source.textContent : "";
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      // No clipboard (an insecure origin, a denied permission): an input can still go into Run; an output is
      // selected so that the person can copy it by hand.
      if ("copyToRun" in button.dataset) {
        document.getElementById("run-input").value = text;
        button.textContent = "Put in Run";
      } else if (source) {
        window.getSelection()?.selectAllChildren(source);
        button.textContent = "Selected";
      }
    }
    setTimeout(() => (button.textContent = "Copy"), 1500);
  });
}

// ---- storage ----------------------------------------------------------------------------------------------------
function load(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}
function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // storage full or blocked: the draft lives only in this page
  }
}

// ---- the editor ---------------------------------------------------------------------------------------------------
const enabled = data.languages.filter((l) => l.enabled).map((l) => l.id);
const remembered = load(LANGUAGE_KEY);
languageSelect.value = enabled.includes(remembered) ? remembered : enabled[0] || data.languages[0]?.id || "";
let currentLanguage = languageSelect.value;

const editor = {
  monaco: null,
  instance: null,
  getValue: () => fallback.value,
  setValue(value) {
    fallback.value = value;
  },
};

function draftFor(language) {
  const saved = load(draftKey(language));
  return saved !== null ? saved : languageInfo(language).starter;
}

let saveTimer = null;
function scheduleSave() {
  clearTimeout(saveTimer);
  const language = currentLanguage;
  saveTimer = setTimeout(() => store(draftKey(language), editor.getValue()), 300);
}

editor.setValue(draftFor(currentLanguage));
fallback.addEventListener("input", scheduleSave);

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function startMonaco() {
  const base = "/static/vendor/monaco/vs";
  // Workers start from a blob: URL that loads Monaco's worker code from this site (the CSP allows both).
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
  const frame = document.getElementById("editor");
  const value = editor.getValue();
  fallback.parentElement.querySelector("label")?.remove();
  fallback.remove();
  const instance = monaco.editor.create(frame, {
    value,
    language: languageInfo(currentLanguage).monaco,
    theme: effectiveTheme() === "dark" ? "vs-dark" : "vs",
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 14,
    scrollBeyondLastLine: false,
    tabSize: 4,
    ariaLabel: "Source code",
    accessibilitySupport: "auto",
    fixedOverflowWidgets: true,
    acceptSuggestionOnEnter: "off", // Enter always starts a new line; Tab takes a suggestion
    // No language service answers hovers here, and Monaco's hover can throw "Illegal value for lineNumber" when
    // the text under the pointer is replaced (select all + delete, a language switch) while it computes.
    hover: { enabled: false },
  });
  editor.monaco = monaco;
  editor.instance = instance;
  editor.getValue = () => instance.getValue();
  editor.setValue = (text) => instance.setValue(text);
  instance.onDidChangeModelContent(scheduleSave);
  instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => submit());
  instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Quote, () => run());
  document.addEventListener("verdict:theme", (event) => {
    monaco.editor.setTheme(event.detail.theme === "dark" ? "vs-dark" : "vs");
  });
  document.getElementById("editor").dataset.ready = "true";
}

startMonaco()
  .then(() => {
    statusLine.textContent = "";
  })
  .catch(() => {
    statusLine.textContent = "The code editor could not be loaded; a plain text box is used instead.";
    document.getElementById("editor").dataset.ready = "fallback";
  });

languageSelect.addEventListener("change", () => {
  store(draftKey(currentLanguage), editor.getValue());
  currentLanguage = languageSelect.value;
  store(LANGUAGE_KEY, currentLanguage);
  editor.setValue(draftFor(currentLanguage));
  if (editor.instance) editor.monaco.editor.setModelLanguage(editor.instance.getModel(), languageInfo(currentLanguage).monaco);
});

resetButton.addEventListener("click", () => {
  if (!window.confirm("Replace your draft with the starter code?")) return;
  editor.setValue(languageInfo(currentLanguage).starter);
  store(draftKey(currentLanguage), editor.getValue());
});

// ---- tabs -----------------------------------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
}
for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event) => {
    const i = tabs.indexOf(tab);
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      selectTab(tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length], true);
    }
  });
}

// ---- run and submit ---------------------------------------------------------------------------------------------
function showError(error) {
  const message = error.message || String(error);
  errorBox.hidden = false;
  errorBox.textContent = message.charAt(0).toUpperCase() + message.slice(1);
}
function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = "";
}
function busy(button, value) {
  button.disabled = value;
  button.setAttribute("aria-busy", String(value));
}

const resultsView = new ResultsView(document.getElementById("results"));

// The "Your submissions" card gets the new submission on top once it is judged.
function addToRecent(submission) {
  let list = document.getElementById("recent-submissions");
  if (list && list.tagName !== "UL") {
    const ul = document.createElement("ul");
    ul.className = "recent-list";
    ul.id = "recent-submissions";
    list.replaceWith(ul);
    list = ul;
  }
  if (!list) return;
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = `/submissions/${submission.id}`;
  link.append(verdictBadge(submission.verdict));
  const score = document.createElement("span");
  score.className = "score";
  score.textContent = submission.score == null ? "" : String(Math.round(submission.score * 100) / 100);
  const facts = document.createElement("span");
  facts.className = "muted small";
  facts.textContent = `${languageSelect.selectedOptions[0]?.textContent.trim() || submission.language} · just now`;
  item.append(link, score, facts);
  list.prepend(item);
}
let watching = null;

async function submit() {
  if (submitButton.disabled) return;
  clearError();
  const source = editor.getValue();
  if (!source.trim()) {
    showError(new Error("Write some code first."));
    return;
  }
  busy(submitButton, true);
  try {
    const submission = await api("/api/submissions", {
      method: "POST",
      json: { problemId: data.problemId, language: currentLanguage, source },
    });
    watching?.close();
    document.getElementById("results-empty").hidden = true;
    document.getElementById("results-live").hidden = false;
    const link = document.getElementById("results-link");
    link.href = `/submissions/${submission.id}`;
    resultsView.reset(data.testCount);
    resultsView.setQueued(null);
    selectTab(document.getElementById("tab-results"));
    document.getElementById("panel-results").scrollIntoView({ block: "nearest" });
    watching = showLive(resultsView, submission.id, {
      testCount: data.testCount,
      onFinal: (final) => {
        busy(submitButton, false);
        addToRecent(final);
      },
    });
  } catch (error) {
    showError(error);
    busy(submitButton, false);
  }
}

const runResult = document.getElementById("run-result");
const runVerdict = runResult.querySelector("[data-run-verdict]");
const runStatus = runResult.querySelector("[data-run-status]");

function showRun(submission) {
  const result = (submission.results || [])[0];
  runVerdict.replaceChildren();
  const badge = document.createElement("span");
  const verdict = submission.verdict;
  badge.className = `verdict verdict-${verdict === "AC" ? "AC" : verdict}`;
  badge.textContent = verdict === "AC" ? "OK" : verdict;
  runVerdict.append(badge);
  const facts = [];
  if (result) facts.push(formatMs(result.cpuMs), formatMemory(result.memoryKib));
  if (result && result.exitCode != null && result.exitCode !== 0) facts.push(`exit code ${result.exitCode}`);
  if (result && result.signal) facts.push(`signal ${result.signal}`);
  const described = { AC: "Finished", CE: "Did not compile", TLE: "Time limit exceeded", MLE: "Memory limit exceeded", RTE: "Run-time error", OLE: "Output limit exceeded", IE: "Internal error" }[verdict] || verdict;
  runStatus.textContent = `${described}${facts.length ? ": " + facts.join(", ") : ""}.`;
  showInert(document.getElementById("run-output"), result?.stdout ?? "", { cutByJudge: Boolean(result?.stdoutTruncated) });
  const stderr = result?.stderr || "";
  runResult.querySelector("[data-run-stderr]").hidden = !stderr;
  showInert(document.getElementById("run-stderr"), stderr, { cutByJudge: Boolean(result?.stderrTruncated) });
  const compile = submission.compileOutput || "";
  runResult.querySelector("[data-run-compile]").hidden = !compile;
  showInert(document.getElementById("run-compile"), compile);
  if (submission.message && !result) runStatus.textContent += ` ${submission.message}`;
}

async function run() {
  if (runButton.disabled) return;
  clearError();
  const source = editor.getValue();
  if (!source.trim()) {
    showError(new Error("Write some code first."));
    return;
  }
  busy(runButton, true);
  selectTab(document.getElementById("tab-run"));
  runResult.hidden = false;
  runResult.scrollIntoView({ block: "nearest" });
  runVerdict.replaceChildren();
  const pending = document.createElement("span");
  pending.className = "verdict verdict-running";
  pending.textContent = "Running";
  runVerdict.append(pending);
  runStatus.textContent = "Waiting for a judge…";
  document.getElementById("run-output").replaceChildren();
  try {
    const stdin = document.getElementById("run-input").value;
    const created = await api("/api/runs", {
      method: "POST",
      json: { problemId: data.problemId, language: currentLanguage, source, stdin },
    });
    const watcher = {
      ensureRows() {},
      setCompiling() {
        runStatus.textContent = "Compiling…";
      },
      setCompiled(ok) {
        runStatus.textContent = ok ? "Running…" : "Compilation failed.";
      },
      setCase() {},
      setProgress() {},
      setQueued(position) {
        runStatus.textContent = position ? `Waiting in the queue: position ${position}.` : "Waiting for a judge…";
      },
      setStatus(text) {
        runStatus.textContent = text;
      },
      reset() {},
      setFinal() {},
    };
    showLive(watcher, created.id, {
      onFinal(submission) {
        showRun(submission);
        busy(runButton, false);
      },
    });
  } catch (error) {
    runResult.hidden = true;
    showError(error);
    busy(runButton, false);
  }
}

submitButton.addEventListener("click", submit);
runButton.addEventListener("click", run);
fallback?.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") submit();
});
