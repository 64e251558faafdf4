// A course's community pages: chat (live on the page's one connection), announcements, questions and answers.
// Message HTML comes from the server already sanitised (the Markdown allow-list); names are set as text.
import { api } from "./api.js";
import { live } from "./live.js";

function showError(form, error) {
  const box = form.querySelector("[data-error]");
  if (!box) return;
  box.textContent = error ? error.detail || String(error) : "";
  box.hidden = !error;
}

function formData(form) {
  const data = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") data[el.name] = el.checked;
    else if (el.name === "testIndex") data[el.name] = Number(el.value);
    else if (el.value !== "") data[el.name] = el.value;
  }
  return data;
}

function onSubmit(form, handler) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    const button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    try {
      await handler(formData(form));
    } catch (error) {
      showError(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// --- announcements ---------------------------------------------------------------------------------------------
const announce = document.querySelector("[data-announce]");
if (announce) {
  onSubmit(announce, async (data) => {
    await api(`/api/courses/${announce.dataset.courseId}/announcements`, { method: "POST", json: data });
    window.location.reload();
  });
}

// --- questions -----------------------------------------------------------------------------------------------------
const ask = document.querySelector("[data-ask]");
if (ask) {
  onSubmit(ask, async (data) => {
    const course = ask.dataset.courseId;
    const question = await api(`/api/courses/${course}/questions`, { method: "POST", json: data });
    window.location.assign(`/courses/${course}/questions/${question.id}`);
  });
}

const answerForm = document.querySelector("[data-answer-form]");
if (answerForm) {
  const base = `/api/courses/${answerForm.dataset.courseId}/questions`;
  const question = answerForm.dataset.questionId;
  onSubmit(answerForm, async (data) => {
    await api(`${base}/${question}/answers`, { method: "POST", json: data });
    window.location.reload();
  });
  document.addEventListener("click", async (event) => {
    const target = event.target.closest("[data-vote],[data-accept],[data-endorse]");
    if (!target) return;
    try {
      if (target.dataset.vote) {
        const up = target.dataset.up === "true";
        await api(`${base}/${target.dataset.vote}/vote`, { method: "POST", json: { up } });
      } else if (target.dataset.accept) {
        await api(`${base}/${question}/accept`, { method: "POST", json: { answerId: target.dataset.accept } });
      } else {
        const endorsed = target.dataset.endorsed === "true";
        await api(`${base}/answers/${target.dataset.endorse}/endorse`, { method: "POST", json: { endorsed } });
      }
      window.location.reload();
    } catch (error) {
      showError(answerForm, error);
    }
  });
}

// --- chat ----------------------------------------------------------------------------------------------------------
const chat = document.querySelector("[data-chat]");
if (chat) {
  const course = chat.dataset.courseId;
  const me = chat.dataset.userId;
  const staff = chat.dataset.staff === "true";
  const base = `/api/courses/${course}/chat`;
  const list = chat.querySelector("[data-messages]");
  const roomsEl = chat.querySelector("[data-rooms]");
  const compose = chat.querySelector("[data-compose]");
  const older = chat.querySelector("[data-older]");
  const lock = chat.querySelector("[data-lock]");
  let rooms = [];
  let current = null;
  let stop = null;

  const roomLabel = (room) => {
    if (room.kind !== "direct") return room.name;
    const other = room.people.find((p) => p.id !== me);
    return other ? `@ ${other.name}` : "Direct";
  };

  function messageItem(message) {
    const li = document.createElement("li");
    li.className = "chat-message";
    li.dataset.id = message.id;
    const head = document.createElement("div");
    head.className = "muted small";
    const who = document.createElement("strong");
    who.textContent = message.author ? message.author.name : "Someone";
    const when = document.createElement("time");
    when.dateTime = message.createdAt;
    when.textContent = new Date(message.createdAt).toLocaleTimeString();
    head.append(who, " ", when);
    if (message.editedAt) head.append(" (edited)");
    const body = document.createElement("div");
    body.className = "markdown";
    if (message.deleted) {
      body.textContent = "(deleted)";
      body.classList.add("muted");
    } else {
      body.innerHTML = message.html; // sanitised by the server
    }
    li.append(head, body);
    if (!message.deleted && (staff || (message.author && message.author.id === me))) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-quiet small";
      remove.textContent = "Delete";
      remove.addEventListener("click", () => api(`${base}/messages/${message.id}`, { method: "DELETE" }));
      li.append(remove);
    }
    if (!message.deleted && message.author && message.author.id !== me) {
      const report = document.createElement("button");
      report.type = "button";
      report.className = "button button-quiet small";
      report.textContent = "Report";
      report.addEventListener("click", async () => {
        await api(`${base}/messages/${message.id}/report`, { method: "POST", json: { reason: "" } });
        report.textContent = "Reported";
        report.disabled = true;
      });
      li.append(report);
    }
    return li;
  }

  function upsert(message) {
    const existing = list.querySelector(`[data-id="${message.id}"]`);
    const item = messageItem(message);
    if (existing) existing.replaceWith(item);
    else list.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function renderRooms() {
    roomsEl.replaceChildren(
      ...rooms.map((room) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button button-quiet";
        button.textContent = roomLabel(room);
        if (current && room.id === current.id) button.setAttribute("aria-current", "true");
        if (room.unread && (!current || room.id !== current.id)) {
          const badge = document.createElement("span");
          badge.className = "bell-count";
          badge.textContent = String(room.unread);
          badge.setAttribute("aria-label", `${room.unread} unread`);
          button.append(" ", badge);
        }
        button.addEventListener("click", () => openRoom(room));
        li.append(button);
        return li;
      }),
    );
  }

  async function loadOlder() {
    const first = list.querySelector("[data-id]");
    const page = await api(`${base}/rooms/${current.id}/messages?limit=50&before=${first.dataset.id}`);
    list.prepend(...page.items.map(messageItem));
    older.hidden = !page.hasMore;
  }

  async function openRoom(room) {
    if (stop) stop();
    current = room;
    chat.querySelector("[data-room-name]").textContent = roomLabel(room);
    if (lock) lock.textContent = room.locked ? "Unlock" : "Lock";
    delete chat.dataset.subscribed;
    list.replaceChildren();
    // Follow the room first, then load its history: a message sent meanwhile is in the history, arrives as an
    // event, or both (shown once, by id), and never falls between the two.
    const subscribed = new Promise((resolve) => {
      stop = live.subscribe(
        room.channel,
        (event) => {
          if (event.event === "message" || event.event === "message_edited") upsert(event.data);
          else if (event.event === "message_deleted") {
            const item = list.querySelector(`[data-id="${event.data.id}"]`);
            if (item) item.querySelector(".markdown").textContent = "(deleted)";
          } else if (event.event === "room_updated") {
            current.locked = event.data.locked;
            if (lock) lock.textContent = current.locked ? "Unlock" : "Lock";
          }
        },
        resolve,
      );
    });
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 3000))]);
    const page = await api(`${base}/rooms/${room.id}/messages?limit=50`);
    if (current !== room) return;
    const arrived = [...list.children];
    list.replaceChildren(...page.items.map(messageItem));
    for (const item of arrived) if (!list.querySelector(`[data-id="${item.dataset.id}"]`)) list.append(item);
    older.hidden = !page.hasMore;
    room.unread = 0;
    renderRooms();
    api(`${base}/rooms/${room.id}/read`, { method: "POST" }).catch(() => {});
    chat.dataset.subscribed = room.id;
  }

  older.addEventListener("click", loadOlder);
  lock?.addEventListener("click", () =>
    api(`${base}/rooms/${current.id}`, { method: "PATCH", json: { locked: !current.locked } }),
  );
  compose.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = compose.elements.body;
    if (!text.value.trim() || !current) return;
    showError(compose, null);
    try {
      const message = await api(`${base}/rooms/${current.id}/messages`, { method: "POST", json: { body: text.value } });
      upsert(message);
      text.value = "";
    } catch (error) {
      showError(compose, error);
    }
  });
  compose.elements.body.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });
  chat.querySelector("[data-direct] select").addEventListener("change", async (event) => {
    if (!event.target.value) return;
    const room = await api(`${base}/direct`, { method: "POST", json: { userId: event.target.value } });
    if (!rooms.some((r) => r.id === room.id)) rooms.push(room);
    event.target.value = "";
    openRoom(rooms.find((r) => r.id === room.id));
  });

  api(`${base}/rooms`).then((found) => {
    rooms = found;
    const wanted = rooms.find((r) => r.id === chat.dataset.room) || rooms[0];
    renderRooms();
    if (wanted) openRoom(wanted);
  });
}
