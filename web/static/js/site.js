// On every page: the theme toggle, the sign-out button, and a quiet session renewal when the page was rendered
// signed out only because the short-lived access cookie had expired.
import { api, csrfToken, refreshSession } from "./api.js";

const THEMES = ["system", "light", "dark"];
const LABELS = { system: "Auto", light: "Light", dark: "Dark" };

function currentChoice() {
  const value = document.documentElement.getAttribute("data-theme");
  return value === "light" || value === "dark" ? value : "system";
}

export function effectiveTheme() {
  const choice = currentChoice();
  if (choice !== "system") return choice;
  return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function showChoice(button, choice) {
  const next = THEMES[(THEMES.indexOf(choice) + 1) % THEMES.length];
  const label = button.querySelector(".theme-label");
  if (label) label.textContent = LABELS[choice];
  button.dataset.choice = choice;
  button.title = `${choice === "system" ? "Following the system's colour theme" : `${LABELS[choice]} theme`}: switch to ${LABELS[next].toLowerCase()}`;
}

function applyChoice(choice) {
  if (choice === "system") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", choice);
  try {
    if (choice === "system") window.localStorage.removeItem("verdict-theme");
    else window.localStorage.setItem("verdict-theme", choice);
  } catch {
    // storage blocked: the choice lasts for this page
  }
  document.dispatchEvent(new CustomEvent("verdict:theme", { detail: { theme: effectiveTheme() } }));
}

const toggle = document.getElementById("theme-toggle");
if (toggle) {
  showChoice(toggle, currentChoice());
  toggle.addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(currentChoice()) + 1) % THEMES.length];
    applyChoice(next);
    showChoice(toggle, next);
  });
}
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
  document.dispatchEvent(new CustomEvent("verdict:theme", { detail: { theme: effectiveTheme() } }));
});

const signOut = document.getElementById("sign-out");
if (signOut) {
  signOut.addEventListener("click", async () => {
    signOut.disabled = true;
    try {
      await api("/api/auth/logout", { method: "POST" });
    } catch {
      // already signed out (expired or revoked): the cookies go either way
    }
    window.location.assign("/");
  });
}

if (document.body.dataset.signedIn === "false" && csrfToken() && !window.sessionStorage.getItem("verdict-refreshed")) {
  window.sessionStorage.setItem("verdict-refreshed", "1");
  refreshSession().then((ok) => {
    if (ok) window.location.reload();
  });
} else if (document.body.dataset.signedIn === "true") {
  window.sessionStorage.removeItem("verdict-refreshed");
}

// The judging banner: while no judge worker is alive (GET /ready/judges answers 503 with workers 0), say so on
// every page instead of letting submissions look merely "queued". Checked on load and every 15 s.
const judgeBanner = document.querySelector("[data-judge-banner]");
async function checkJudges() {
  try {
    const resp = await fetch("/ready/judges", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await resp.json();
    const none = body.workers === 0 && !body.error;
    judgeBanner.hidden = !none;
    judgeBanner.textContent = none
      ? "No judge is running right now: submissions are saved and wait for a judge; they are judged as soon as one starts."
      : "";
    document.dispatchEvent(new CustomEvent("verdict:judges", { detail: { workers: body.workers } }));
  } catch {
    // the server is unreachable: the page's own requests will say so
  }
}
if (judgeBanner) {
  checkJudges();
  window.setInterval(checkJudges, 15000);
}
