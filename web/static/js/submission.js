// A submission's page: syntax highlighting of the source, and live results while it is being judged.
import { highlightName } from "./languages.js";
import { showLive } from "./live.js";
import { ResultsView } from "./results.js";

const data = JSON.parse(document.getElementById("submission-data").textContent);

if (window.hljs) {
  for (const block of document.querySelectorAll("pre.source code")) {
    const language = highlightName(block.dataset.language);
    if (window.hljs.getLanguage(language)) {
      // highlight.js escapes the text it wraps in spans; the source never becomes HTML.
      block.innerHTML = window.hljs.highlight(block.textContent, { language, ignoreIllegals: true }).value;
    }
  }
}

if (!data.done) {
  const view = new ResultsView(document.getElementById("results"));
  view.total = data.testCount;
  showLive(view, data.id, {
    testCount: data.testCount,
    onFinal: () => {
      document.title = "Submission · Verdict";
    },
  });
}
