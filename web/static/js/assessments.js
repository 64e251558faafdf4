// Assessment pages. Editor: settings (times sent with their zone), publishing, adding and deleting questions.
// Take page: Start, answers saved on the server as the student types, code submitted to the judge, the countdown
// (from the server's remainingSeconds, so a wrong client clock changes nothing), and Hand in.
import { api } from "./api.js";
import { showError, clearErrors } from "./forms.js";
import { languageInfo } from "./languages.js";
import { watchSubmission } from "./live.js";
import { loadMonaco } from "./monaco.js";
import { effectiveTheme } from "./site.js";

function pad(n) {
  return String(n).padStart(2, "0");
}

function toLocalInput(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function settingsOf(form) {
  const data = { groupIds: [], levelIds: [] };
  for (const el of form.elements) {
    if (el.dataset.audience) {
      if (el.checked) data[el.dataset.audience].push(el.value);
      continue;
    }
    if (!el.name) continue;
    if ("time" in el.dataset) data[el.name] = el.value ? new Date(el.value).toISOString() : null;
    else if (el.dataset.json === "int") data[el.name] = el.value === "" ? null : Number.parseInt(el.value, 10);
    else if (el.dataset.json === "float") data[el.name] = el.value === "" ? 0 : Number.parseFloat(el.value);
    else data[el.name] = el.value;
  }
  return data;
}

const settings = document.querySelector("form[data-assessment-settings]");
if (settings) {
  settings.querySelectorAll("[data-utc]").forEach((el) => {
    if (el.dataset.utc) el.value = toLocalInput(el.dataset.utc);
  });
  settings.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(settings);
    try {
      const result = await api(settings.dataset.assessmentSettings, {
        method: settings.dataset.method,
        json: settingsOf(settings),
      });
      window.location.assign(`/courses/${settings.dataset.course}/assessments/${result.assessment.id}/edit`);
    } catch (error) {
      showError(settings, error);
    }
  });
}

document.querySelectorAll("[data-publish]").forEach((button) => {
  button.addEventListener("click", async () => {
    const base = settings.dataset.assessmentSettings;
    await api(`${base}/publish`, { method: "POST", json: JSON.parse(button.dataset.publish) });
    window.location.reload();
  });
});

document.querySelectorAll("[data-delete-question]").forEach((button) => {
  button.addEventListener("click", async () => {
    await api(button.dataset.deleteQuestion, { method: "DELETE" });
    window.location.reload();
  });
});

function questionOf(form) {
  const type = form.elements.namedItem("type").value;
  const value = (name) => form.elements.namedItem(name).value;
  const lines = (name) => value(name).split("\n").map((s) => s.trim()).filter(Boolean);
  const numbers = (name) => value(name).split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const data = { type, weight: Number.parseFloat(value("weight") || "1"), promptMd: value("promptMd") };
  if (type === "multiple_choice") {
    data.options = lines("options");
    data.correct = numbers("correct").map((n) => n - 1);
    data.multiple = form.elements.namedItem("multiple").checked;
  } else if (type === "short_answer") {
    data.accepted = lines("accepted");
    data.match = value("match");
    data.tolerance = Number.parseFloat(value("tolerance") || "0");
  } else if (type === "code") {
    if (value("problemId")) data.problemId = value("problemId");
    if (value("maxAttempts")) data.maxAttempts = Number.parseInt(value("maxAttempts"), 10);
    data.penalties = numbers("penalties");
    data.count = value("count");
    data.languages = value("languages").split(",").map((s) => s.trim()).filter(Boolean);
    data.starterCode = value("starterCode");
  }
  return data;
}

// A question as shown to staff, back into what PUT …/questions/{id} takes (to move it or change its weight).
const QUESTION_FIELDS = ["type", "promptMd", "weight", "position", "problemId", "languages", "maxAttempts", "penalties",
  "count", "starterCode", "options", "correct", "multiple", "accepted", "match", "tolerance"];
function questionUpdate(view, changes) {
  const data = {};
  for (const key of QUESTION_FIELDS) {
    if (view[key] !== null && view[key] !== undefined) data[key] = view[key];
  }
  if (view.type !== "code") {
    for (const key of ["languages", "penalties", "starterCode", "count", "problemId", "maxAttempts"]) delete data[key];
  }
  return { ...data, ...changes };
}

const questionList = document.querySelector("[data-question-list]");
const questionsData = document.getElementById("questions-data");
if (questionList && questionsData) {
  const views = JSON.parse(questionsData.textContent);
  const url = (id) => `${questionList.dataset.questionList}/${id}`;
  const items = () => [...questionList.querySelectorAll("[data-question-id]")];
  questionList.querySelectorAll("[data-move]").forEach((button) => {
    button.addEventListener("click", async () => {
      const list = items();
      const from = list.indexOf(button.closest("[data-question-id]"));
      const to = from + Number(button.dataset.move);
      if (to < 0 || to >= list.length) return;
      [list[from], list[to]] = [list[to], list[from]];
      // Number them 0..n-1 in the new order (positions may have been equal or sparse before).
      for (const [position, item] of list.entries()) {
        const view = views[item.dataset.questionId];
        if (view.position === position) continue;
        await api(url(item.dataset.questionId), { method: "PUT", json: questionUpdate(view, { position }) });
      }
      window.location.reload();
    });
  });
  questionList.querySelectorAll("[data-weight]").forEach((input) => {
    input.addEventListener("change", async () => {
      const id = input.closest("[data-question-id]").dataset.questionId;
      const weight = Number.parseFloat(input.value);
      if (!(weight > 0)) return;
      await api(url(id), { method: "PUT", json: questionUpdate(views[id], { weight }) });
      views[id].weight = weight;
      input.dataset.saved = "true";
    });
  });
}

const addQuestion = document.querySelector("form[data-add-question]");
if (addQuestion) {
  const typeSelect = addQuestion.elements.namedItem("type");
  const showType = () => {
    addQuestion.querySelectorAll("[data-for-type]").forEach((set) => {
      set.hidden = set.dataset.forType !== typeSelect.value;
    });
  };
  typeSelect.addEventListener("change", showType);
  showType();
  addQuestion.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(addQuestion);
    try {
      await api(addQuestion.dataset.addQuestion, { method: "POST", json: questionOf(addQuestion) });
      window.location.reload();
    } catch (error) {
      showError(addQuestion, error);
    }
  });
}

// --- the take page ------------------------------------------------------------------------------------------
const root = document.querySelector("[data-assessment]");
if (root) {
  const base = root.dataset.assessment;
  const preview = "preview" in root.dataset; // staff's "preview as a student": nothing is saved or judged
  const saved = root.querySelector("[data-saved]");
  const problem = root.querySelector("[data-error]");
  const say = (text) => {
    if (saved) saved.textContent = text;
    if (problem) problem.textContent = "";
  };
  const fail = (error) => {
    if (problem) problem.textContent = error.message || "Something went wrong.";
    if (saved) saved.textContent = "";
    if (error.status === 409) window.setTimeout(() => window.location.reload(), 1500);
  };

  const start = root.querySelector("[data-start]");
  if (start) {
    start.addEventListener("click", async () => {
      try {
        await api(`${base}/attempt`, { method: "POST" });
        window.location.reload();
      } catch (error) {
        fail(error);
      }
    });
  }

  const timers = new Map();
  async function save(question) {
    const id = question.dataset.question;
    let json;
    if (question.dataset.type === "multiple_choice") {
      json = { choices: [...question.querySelectorAll("input:checked")].map((el) => Number(el.value)) };
    } else {
      json = { text: question.querySelector("[data-text]").value };
    }
    say("Saving…");
    try {
      await api(`${base}/attempt/answers/${id}`, { method: "PUT", json });
      say(`Saved at ${new Date().toLocaleTimeString()}.`);
    } catch (error) {
      fail(error);
    }
  }
  root.querySelectorAll("[data-question]").forEach((question) => {
    if (question.dataset.type === "code" || preview) return;
    const later = () => {
      window.clearTimeout(timers.get(question));
      timers.set(question, window.setTimeout(() => save(question), 400));
    };
    question.addEventListener("change", later);
    question.addEventListener("input", later);
  });

  // Live results of a code question's submissions: the verdict arrives on the page (or "results hidden").
  const watched = new Set();
  function watch(item) {
    const id = item.dataset.submission;
    if (!id || watched.has(id) || item.dataset.status === "done") return;
    watched.add(id);
    const result = item.querySelector("[data-result]");
    const show = (sub) => {
      item.dataset.status = sub.status;
      if (sub.resultsHiddenUntil) {
        const stage = sub.status === "done" ? "judged" : "submitted";
        result.textContent = `${stage} · results hidden until ${sub.resultsHiddenUntil}`;
      }
      else if (sub.verdict) result.textContent = `${sub.verdict}${sub.score === null ? "" : ` · ${sub.score}`}`;
      else result.textContent = sub.status;
    };
    watchSubmission(id, {
      onSnapshot: (message) => show(message.submission),
      onEvent: (message) => {
        if (message.type === "case_finished") result.textContent = `judging · test ${message.index + 1} done`;
        else if (message.type === "compiling") result.textContent = "compiling";
      },
      onFinal: show,
      onError: () => {
        result.textContent = "see the submission page";
      },
    });
  }
  root.querySelectorAll("[data-submission]").forEach(watch);

  // Code questions: Monaco with the question's starter code (a draft kept in this browser wins), the language
  // choice limited to the question's languages; the textarea stays the fallback and what is submitted.
  const codeQuestions = [...root.querySelectorAll('[data-question][data-type="code"]')].filter((q) => q.querySelector("[data-source]"));
  const draftKey = (question) => `verdict:assessment:${base}:${question.dataset.question}`;
  for (const question of codeQuestions) {
    const source = question.querySelector("[data-source]");
    const draft = preview ? null : window.localStorage.getItem(draftKey(question));
    if (draft !== null) source.value = draft;
    source.addEventListener("input", () => {
      if (!preview) window.localStorage.setItem(draftKey(question), source.value);
    });
  }
  if (codeQuestions.length) {
    loadMonaco()
      .then((monaco) => {
        for (const question of codeQuestions) {
          const source = question.querySelector("[data-source]");
          const select = question.querySelector("[data-language]");
          const frame = question.querySelector("[data-editor]");
          frame.hidden = false;
          source.hidden = true;
          const instance = monaco.editor.create(frame, {
            value: source.value,
            language: languageInfo(select.value).monaco,
            theme: effectiveTheme() === "dark" ? "vs-dark" : "vs",
            automaticLayout: true,
            minimap: { enabled: false },
            fontSize: 14,
            scrollBeyondLastLine: false,
            ariaLabel: "Your program",
            acceptSuggestionOnEnter: "off",
            hover: { enabled: false },
          });
          instance.onDidChangeModelContent(() => {
            source.value = instance.getValue();
            source.dispatchEvent(new Event("input"));
          });
          select.addEventListener("change", () => {
            monaco.editor.setModelLanguage(instance.getModel(), languageInfo(select.value).monaco);
          });
          frame.dataset.ready = "true";
        }
      })
      .catch(() => {
        for (const question of codeQuestions) question.querySelector("[data-editor]").dataset.ready = "fallback";
      });
  }

  root.querySelectorAll("[data-submit-code]").forEach((button) => {
    const question = button.closest("[data-question]");
    button.addEventListener("click", async () => {
      if (preview) return;
      const source = question.querySelector("[data-source]").value;
      const language = question.querySelector("[data-language]").value;
      try {
        const result = await api(`${base}/attempt/questions/${question.dataset.question}/submissions`, {
          method: "POST",
          json: { language, source },
        });
        const item = document.createElement("li");
        item.dataset.submission = result.submissionId;
        item.dataset.status = result.status;
        const link = document.createElement("a");
        link.href = `/submissions/${result.submissionId}`;
        link.textContent = "Submitted just now";
        const status = document.createElement("span");
        status.dataset.result = "";
        status.textContent = result.status;
        item.append(link, " ", status);
        question.querySelector("[data-submissions]").append(item);
        watch(item);
        say("Program submitted: it is being judged.");
      } catch (error) {
        fail(error);
      }
    });
  });

  const finish = root.querySelector("[data-finish]");
  if (finish) {
    finish.addEventListener("click", async () => {
      if (!window.confirm("Hand in? You cannot change your answers afterwards.")) return;
      try {
        await api(`${base}/attempt/submit`, { method: "POST" });
        window.location.reload();
      } catch (error) {
        fail(error);
      }
    });
  }

  const countdown = root.querySelector("[data-countdown]");
  if (countdown) {
    // Seconds left by the server's clock when the page was made; counted down with the monotonic clock.
    const endsAt = performance.now() + Number(countdown.dataset.remaining) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
      countdown.textContent = `${Math.floor(left / 60)}:${pad(left % 60)}`;
      if (left === 0) {
        window.location.reload(); // the server has submitted the attempt
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
}

// --- results: per-student accommodations ---------------------------------------------------------------------
document.querySelectorAll("form[data-accommodation]").forEach((form) => {
  form.querySelectorAll("[data-utc]").forEach((el) => {
    if (el.dataset.utc) el.value = toLocalInput(el.dataset.utc);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = (name) => form.elements.namedItem(name).value;
    const json = {
      extraMinutes: Number.parseInt(value("extraMinutes") || "0", 10),
      extraPercent: Number.parseFloat(value("extraPercent") || "0"),
      closesAt: value("closesAt") ? new Date(value("closesAt")).toISOString() : null,
    };
    try {
      await api(form.dataset.accommodation, { method: "PUT", json });
      const status = form.querySelector("[data-form-status]");
      if (status) status.textContent = "Saved.";
    } catch (error) {
      showError(form, error);
    }
  });
});

document.querySelectorAll("[data-reopen]").forEach((button) => {
  button.addEventListener("click", async () => {
    await api(button.dataset.reopen, { method: "POST" });
    window.location.reload();
  });
});

document.querySelectorAll("form[data-grade]").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const percent = Number.parseFloat(form.elements.namedItem("percent").value);
    try {
      await api(form.dataset.grade, { method: "PUT", json: { percent } });
      window.location.reload();
    } catch (error) {
      showError(form, error);
    }
  });
});
