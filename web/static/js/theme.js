// Runs in <head>, before the first paint: applies the theme chosen with the toggle ("light" or "dark");
// without a choice the stylesheet follows the system's prefers-color-scheme.
(function () {
  "use strict";
  try {
    var saved = window.localStorage.getItem("verdict-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) {
    // storage blocked: follow the system
  }
})();
