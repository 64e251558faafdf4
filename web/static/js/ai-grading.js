// AI grading (#14). On the AI page of an assessment: start a run or a calibration, follow its progress (n of m)
// and cancel it, save the hint settings. On the grading page of one answer: accept the AI proposal (as proposed
// or edited: the checked rubric items and the feedback), or reject it; the page then reloads to show the marks.

import { api } from "./api.js";
import { live } from "./live.js";

const POLL_MS = 2000; // progress also comes live ("ai_run" on the user's channel); polling is the fallback

function showError(text) {
  const box = document.querySelector("[data-ai-error], [data-grading-error]");
  if (box) {
    box.textContent = text;
    box.hidden = !text;
  }
}

async function call(path, options) {
  showError("");
  try {
    return await api(path, options);
  } catch (err) {
    showError(err.detail || err.message);
    throw err;
  }
}

function runLine(run) {
  const li = document.createElement("li");
  li.dataset.run = run.id;
  li.dataset.runStatus = run.status;
  const kind = document.createElement("strong");
  kind.textContent = run.purpose === "calibrate" ? "Calibration" : "Grading";
  const state = document.createElement("span");
  state.dataset.runState = "";
  state.textContent = run.status;
  const progress = document.createElement("span");
  progress.dataset.runProgress = "";
  progress.textContent = `${run.done} of ${run.total}`;
  li.append(kind, " · ", state, " · ", progress, ` answers · ${run.proposed} proposed, ${run.withheld} withheld, ${run.failed} failed`);
  if (run.message) {
    const note = document.createElement("span");
    note.className = "muted";
    note.textContent = run.message;
    li.append(" · ", note);
  }
  if (run.status === "queued" || run.status === "running") {
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button button-quiet";
    cancel.dataset.aiCancel = run.id;
    cancel.textContent = "Cancel";
    li.append(" ", cancel);
  }
  return li;
}

function aiPage(root) {
  const base = root.dataset.api;
  const list = root.querySelector("[data-ai-runs]");

  function put(run) {
    root.querySelector("[data-no-runs]")?.remove();
    const line = runLine(run);
    const old = list.querySelector(`[data-run="${run.id}"]`);
    if (old) old.replaceWith(line);
    else list.prepend(line);
    return run;
  }

  async function follow(runId) {
    for (;;) {
      const run = put(await call(`${base}/runs/${runId}`));
      if (run.status !== "queued" && run.status !== "running") {
        if (run.purpose === "calibrate") window.location.reload();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  root.addEventListener("click", async (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.aiRun !== undefined) {
      const questionId = target.dataset.aiRun || null;
      const run = await call(`${base}/assessments/${root.dataset.assessment}/runs`, { method: "POST", json: questionId ? { questionId } : {} });
      follow(put(run).id);
    } else if (target.dataset.aiCalibrate) {
      const run = await call(`${base}/questions/${target.dataset.aiCalibrate}/calibration`, { method: "POST", json: {} });
      follow(put(run).id);
    } else if (target.dataset.aiCancel) {
      put(await call(`${base}/runs/${target.dataset.aiCancel}/cancel`, { method: "POST", json: {} }));
    }
  });

  const hints = root.querySelector("[data-ai-hints]");
  hints?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(hints);
    await call(`${base}/assessments/${root.dataset.assessment}/hints`, {
      method: "PUT",
      json: {
        hintsEnabled: data.get("hintsEnabled") !== null,
        hintsPerHour: Number(data.get("hintsPerHour")),
        hintTokenBudget: Number(data.get("hintTokenBudget")),
      },
    });
  });

  const config = root.querySelector("[data-ai-config]");
  config?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(config);
    const budget = data.get("tokenBudget");
    const json = {
      enabled: data.get("enabled") !== null,
      baseUrl: data.get("baseUrl").trim(),
      model: data.get("model").trim(),
      tokenBudget: budget === "" ? null : Number(budget),
      requestsPerMinute: Number(data.get("requestsPerMinute")),
    };
    if (data.get("apiKey")) json.apiKey = data.get("apiKey");
    await call(`${base}/config`, { method: "PUT", json });
    window.location.reload();
  });

  for (const line of list.querySelectorAll("[data-run-status='queued'], [data-run-status='running']")) follow(line.dataset.run);
  if (root.dataset.user) {
    live.subscribe(`user:${root.dataset.user}`, (message) => {
      if (message.event === "ai_run" && message.data.assessmentId === root.dataset.assessment) put(message.data);
    });
  }
}

function proposalPanel(panel) {
  const base = `${panel.dataset.aiApi}/proposals/${panel.dataset.aiProposal}`;
  const form = panel.querySelector("[data-ai-form]");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    await call(`${base}/accept`, { method: "POST", json: { itemIds: data.getAll("itemIds"), feedback: data.get("feedback") } });
    window.location.reload();
  });
  panel.querySelector("[data-ai-reject]")?.addEventListener("click", async () => {
    await call(`${base}/reject`, { method: "POST", json: {} });
    window.location.reload();
  });
}

const page = document.querySelector("[data-ai-page]");
if (page) aiPage(page);
const panel = document.querySelector("[data-ai-proposal]");
if (panel) proposalPanel(panel);
