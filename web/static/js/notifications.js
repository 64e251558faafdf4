// The bell (unread count) and the live toasts of notifications, on every signed-in page; and the list page.
import { api } from "./api.js";
import { live } from "./live.js";

const bell = document.querySelector("[data-bell]");

function setCount(n) {
  if (!bell) return;
  const badge = bell.querySelector("[data-bell-count]");
  badge.textContent = n > 99 ? "99+" : String(n);
  badge.hidden = n === 0;
  bell.setAttribute("aria-label", n ? `Notifications: ${n} unread` : "Notifications");
}

function toast(note) {
  let stack = document.querySelector(".toasts");
  if (!stack) {
    stack = document.createElement("div");
    stack.className = "toasts";
    stack.setAttribute("role", "status");
    stack.setAttribute("aria-live", "polite");
    document.body.append(stack);
  }
  const item = document.createElement(note.link ? "a" : "div");
  item.className = "toast";
  item.dataset.kind = note.kind;
  if (note.link) item.href = note.link;
  const title = document.createElement("strong");
  title.textContent = note.title;
  item.append(title);
  if (note.body) {
    const body = document.createElement("span");
    body.textContent = note.body.length > 140 ? `${note.body.slice(0, 140)}…` : note.body;
    item.append(body);
  }
  stack.append(item);
  setTimeout(() => item.remove(), 8000);
}

if (bell) {
  const userId = bell.dataset.userId;
  // The count is read once the channel is followed, so a notification sent meanwhile is never missed.
  live.subscribe(
    `user:${userId}`,
    (message) => {
      if (message.event === "notification") {
        setCount(message.data.unread);
        toast(message.data);
        document.dispatchEvent(new CustomEvent("verdict:notification", { detail: message.data }));
      } else if (message.event === "read") {
        setCount(message.data.unread);
      }
    },
    () => {
      api("/api/notifications/unread-count")
        .then((data) => setCount(data.unread))
        .catch(() => {})
        .finally(() => {
          bell.dataset.live = "ready";
        });
    },
  );
}

// The list page (/notifications)
const list = document.querySelector("[data-notification-list]");

function row(note) {
  const li = document.createElement("li");
  li.className = note.readAt ? "note read" : "note unread";
  li.dataset.id = note.id;
  const link = document.createElement(note.link ? "a" : "span");
  if (note.link) link.href = note.link;
  link.textContent = note.title;
  const when = document.createElement("time");
  when.dateTime = note.createdAt;
  when.textContent = new Date(note.createdAt).toLocaleString();
  when.className = "muted small";
  li.append(link, " ", when);
  if (note.body) {
    const body = document.createElement("p");
    body.className = "muted";
    body.textContent = note.body;
    li.append(body);
  }
  if (!note.readAt) {
    const mark = document.createElement("button");
    mark.type = "button";
    mark.className = "button button-quiet small";
    mark.textContent = "Mark read";
    mark.addEventListener("click", async () => {
      await api(`/api/notifications/${note.id}/read`, { method: "POST" });
      li.className = "note read";
      mark.remove();
    });
    li.append(mark);
  }
  return li;
}

async function loadList() {
  const data = await api("/api/notifications?limit=100");
  list.replaceChildren(...data.items.map(row));
  document.querySelector("[data-notification-empty]").hidden = data.items.length > 0;
}

if (list) {
  loadList();
  document.addEventListener("verdict:notification", () => loadList());
  document.querySelector("[data-read-all]")?.addEventListener("click", async () => {
    await api("/api/notifications/read-all", { method: "POST" });
    loadList();
  });
}

// Preferences (the profile page's partial): one row per kind, saved on every change
const prefs = document.querySelector("[data-notification-prefs]");

function prefRow(pref) {
  const tr = document.createElement("tr");
  tr.dataset.kind = pref.kind;
  const label = document.createElement("td");
  label.textContent = pref.label;
  tr.append(label);
  for (const name of ["web", "email"]) {
    const td = document.createElement("td");
    td.className = "num";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = name;
    box.checked = pref[name];
    box.setAttribute("aria-label", `${pref.label}: ${name === "web" ? "on the site" : "in the e-mail digest"}`);
    td.append(box);
    tr.append(td);
  }
  return tr;
}

if (prefs) {
  const body = prefs.querySelector("tbody");
  const status = prefs.querySelector("[data-prefs-status]");
  api("/api/notifications/preferences").then((items) => body.replaceChildren(...items.map(prefRow)));
  body.addEventListener("change", async () => {
    const kinds = [...body.querySelectorAll("[data-kind]")].map((tr) => ({
      kind: tr.dataset.kind,
      web: tr.querySelector("[name=web]").checked,
      email: tr.querySelector("[name=email]").checked,
    }));
    try {
      await api("/api/notifications/preferences", { method: "PUT", json: kinds });
      status.textContent = "Saved.";
    } catch (error) {
      status.textContent = error.detail || "Not saved.";
    }
  });
}
