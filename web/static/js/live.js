// Live results of one submission, on the page's one live connection (channel submission:<id> of WS /api/live,
// which relays what WS /ws/submissions/{id} sends: api/domain/submissions/websocket.py): a snapshot, then the
// judge's events, ending with the authoritative "finished". Duplicates are dropped by (attempt, seq); a dropped
// connection is reopened (the new snapshot catches up), and after repeated failures the page polls.
import { api } from "./api.js";

export function watchSubmission(id, handlers) {
  const seen = new Set();
  let attempt = 0;
  let closed = false;
  let failures = 0;
  let stop = null;
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

  // On the page's one live connection (below): the channel's messages are those of WS /ws/submissions/{id}. After
  // a reconnect the server sends a new snapshot; after repeated failures to connect the page polls.
  function connect() {
    live.onStatus((state) => {
      if (closed) return;
      if (state === "open") failures = 0;
      else if (++failures > 3) {
        closed = true;
        stop?.();
        poll();
      }
    });
    stop = live.subscribe(`submission:${id}`, (message) => {
      if (closed) return;
      if (message.type === "refused") {
        closed = true;
        handlers.onError?.(new Error("This submission cannot be found, or it is not yours."));
        return;
      }
      if (message.event !== "judge") return;
      try {
        handle(message.data);
      } catch (error) {
        handlers.onError?.(error);
      }
      if (closed) stop?.();
    });
  }

  connect();
  return {
    close() {
      closed = true;
      stop?.();
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

// The one live connection of the page (WS /api/live, api/domain/live/socket.py), multiplexed by channel:
// `live.subscribe("room:<id>", onEvent, onReady)` follows a channel (`onReady` runs once the server has confirmed the
// subscription: from then on every event reaches `onEvent`); every event carries an id that increases by one per
// channel, and after a dropped connection the socket is reopened (back-off 0.5 s doubling to 15 s) and each channel
// resubscribed with the last id seen, so the server replays what was missed from the database. Events seen twice
// are dropped by id. `live.onStatus(fn)` reports "open" / "closed".
class LiveConnection {
  constructor() {
    this.channels = new Map(); // channel -> { handlers: Set, lastId: number | null }
    this.socket = null;
    this.delay = 500;
    this.statusHandlers = new Set();
    this.timer = null;
  }

  subscribe(channel, handler, onReady) {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), lastId: null, ready: false, waiting: [] };
      this.channels.set(channel, entry);
      this.#send({ type: "subscribe", channel });
    }
    entry.handlers.add(handler);
    if (onReady) {
      if (entry.ready) onReady();
      else entry.waiting.push(onReady);
    }
    this.#open();
    return () => {
      entry.handlers.delete(handler);
      if (entry.handlers.size === 0) {
        this.channels.delete(channel);
        this.#send({ type: "unsubscribe", channel });
      }
    };
  }

  onStatus(handler) {
    this.statusHandlers.add(handler);
  }

  #status(state) {
    for (const handler of this.statusHandlers) handler(state);
  }

  #send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  #open() {
    if (this.socket || this.timer) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}/api/live`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.delay = 500;
      this.#status("open");
      for (const [channel, entry] of this.channels) {
        const frame = { type: "subscribe", channel };
        if (entry.lastId !== null) frame.after = entry.lastId;
        socket.send(JSON.stringify(frame));
      }
    });
    socket.addEventListener("message", (event) => this.#deliver(event.data));
    socket.addEventListener("close", (event) => {
      this.socket = null;
      this.#status("closed");
      if (event.code === 4401 || event.code === 4403) return; // signed out: nothing to resume
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.channels.size) this.#open();
      }, this.delay);
      this.delay = Math.min(15000, this.delay * 2);
    });
  }

  #deliver(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    const entry = this.channels.get(message.channel);
    if (!entry) return;
    if (message.type === "refused") {
      for (const handler of entry.handlers) handler(message);
      return;
    }
    if (message.type === "subscribed") {
      if (entry.lastId === null || message.lastId > entry.lastId) entry.lastId = message.lastId;
      entry.ready = true;
      for (const ready of entry.waiting.splice(0)) ready();
      return;
    }
    if (message.type !== "event") return;
    if (typeof message.id === "number") {
      if (entry.lastId !== null && message.id <= entry.lastId) return;
      entry.lastId = message.id;
    }
    for (const handler of entry.handlers) handler(message);
  }
}

export const live = new LiveConnection();
