// The feedback button of every page. forms.js sends the form; this keeps its pageUrl the address the page shows
// now (htmx may have changed it since the page was rendered, e.g. the problem list's filters).
import "./forms.js";

const form = document.getElementById("feedback-form");
if (form) {
  form.addEventListener(
    "submit",
    () => {
      const field = form.elements.namedItem("pageUrl");
      if (field) field.value = window.location.pathname + window.location.search;
    },
    { capture: true },
  );
}
