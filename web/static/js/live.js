// Live results of one submission over WS /ws/submissions/{id} (api/domain/submissions/websocket.py): a snapshot,
// then the judge's events, ending with the authoritative "finished". Duplicates are dropped by (attempt, seq);
// a dropped connection is reopened (the new snapshot catches up), and after repeated failures the page polls.
import { api } from "./api.js";

export function watchSubmission(id, handlers) {
  const seen = new Set();
  let attempt = 0;
  let closed = false;
  let failures = 0;
  let socket = null;
  let finalSent = false;

  async function deliverFinal() {
    if (finalSent) return;
    finalSent = true;
    closed = true;
    try {
      handlers.onFinal(await api(`/api/submissions/${id}`));
    } catch (error) {
      handlers.onError?.(error);
    }
  }

  function handle(message) {
    if (message.type === "snapshot") {
      const sub = message.submission;
      if (sub.attempt > attempt) {
        attempt = sub.attempt;
        seen.clear();
      }
      if (sub.status === "done") {
        finalSent = true;
        closed = true;
        handlers.onFinal(sub);
        return;
      }
      handlers.onSnapshot?.(message);
      return;
    }
    if (typeof message.attempt === "number") {
      if (message.attempt < attempt) return;
      if (message.attempt > attempt) {
        attempt = message.attempt;
        seen.clear();
        handlers.onRestart?.(message);
      }
      const key = `${message.attempt}:${message.seq}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    if (message.type === "finished" && message.authoritative) {
      handlers.onEvent?.(message);
      deliverFinal();
      return;
    }
    handlers.onEvent?.(message);
  }

  async function poll() {
    while (!closed) {
      try {
        const sub = await api(`/api/submissions/${id}`);
        if (sub.status === "done") {
          finalSent = true;
          closed = true;
          handlers.onFinal(sub);
          return;
        }
      } catch (error) {
        handlers.onError?.(error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}/ws/submissions/${id}`);
    socket.addEventListener("open", () => {
      failures = 0;
    });
    socket.addEventListener("message", (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        handlers.onError?.(error);
      }
    });
    socket.addEventListener("close", async (event) => {
      if (closed) return;
      if (event.code === 4404) {
        closed = true;
        handlers.onError?.(new Error("This submission cannot be found, or it is not yours."));
        return;
      }
      // Closed before the final result: did it finish meanwhile? Otherwise reconnect, then fall back to polling.
      try {
        const sub = await api(`/api/submissions/${id}`);
        if (sub.status === "done") {
          finalSent = true;
          closed = true;
          handlers.onFinal(sub);
          return;
        }
      } catch {
        // the next attempt will tell
      }
      failures += 1;
      if (failures > 3) poll();
      else setTimeout(connect, 500 * failures);
    });
  }

  connect();
  return {
    close() {
      closed = true;
      socket?.close();
    },
  };
}

// Event keys are camelCase; servers before 64e79ed sent the per-test results inside `batch` snake_cased
// (cpu_ms, max_points), and a page may outlive a deploy: accept both.
function camelKeys(result) {
  return Object.fromEntries(Object.entries(result).map(([key, value]) => [key.replace(/_([a-z])/g, (_m, c) => c.toUpperCase()), value]));
}

// Connect a ResultsView to a submission's live stream.
export function showLive(view, id, { testCount = 0, onFinal } = {}) {
  // The judging banner's periodic check (site.js): a queued submission says whether a judge is running now.
  document.addEventListener("verdict:judges", (event) => {
    if (view.root.dataset.state === "queued" && !view.final) view.setQueued(null, event.detail.workers);
  });
  return watchSubmission(id, {
    onSnapshot(message) {
      const progress = message.progress;
      view.ensureRows(Math.max(testCount, progress?.total || 0));
      if (progress) {
        if (progress.compiled === null) view.setCompiling();
        else view.setCompiled(progress.compiled, progress.compileOutput);
        for (const result of progress.cases) view.setCase(result);
        if (progress.compiled) view.setProgress();
      } else if (message.submission.status === "judging") {
        view.setCompiling();
      } else {
        view.setQueued(message.queuePosition, message.judges ?? null, message.estimatedWaitS ?? null);
      }
    },
    onRestart() {
      view.reset(testCount);
    },
    onEvent(event) {
      if (event.type === "queue") {
        // While it waits: the position counts down (api/domain/submissions/websocket.py sends each change).
        if (view.root.dataset.state === "queued" && !view.final) view.setQueued(event.queuePosition, event.judges ?? null, event.estimatedWaitS ?? null);
      } else if (event.type === "compiling") view.setCompiling();
      else if (event.type === "compile_finished") view.setCompiled(event.ok, event.output);
      else if (event.type === "case_finished") {
        if (event.total) view.ensureRows(event.total);
        const batch = (event.batch && event.batch.length ? event.batch : event.result ? [event.result] : []).map(camelKeys);
        if (batch.length === 0) view.setCase({ index: event.index, verdict: event.verdict, cpuMs: event.cpuMs, memoryKib: event.memoryKib });
        for (const result of batch) view.setCase(result);
        view.setProgress();
      } else if (event.type === "finished") {
        view.setStatus("Recording the result…");
      }
    },
    onFinal(submission) {
      view.setFinal({
        verdict: submission.verdict,
        score: submission.score,
        message: submission.message,
        compileOutput: submission.compileOutput,
        results: submission.results,
      });
      onFinal?.(submission);
    },
    onError(error) {
      view.setStatus(error.message || "Live results are unavailable; reload the page to see the result.");
    },
  });
}
