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
