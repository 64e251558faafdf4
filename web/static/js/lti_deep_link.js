// The LTI deep-linking picker: "Choose" asks Verdict for the signed answer, then posts it to the LMS (the page's
// policy allows a form to go to the LMS's return address only).
import { api } from "./api.js";

const box = document.querySelector("[data-deep-link]");
const form = document.querySelector("[data-deep-link-form]");
const result = document.querySelector("[data-deep-link-result]");
if (box && form) {
  for (const button of document.querySelectorAll("[data-deep-link-choose]")) {
    button.addEventListener("click", async () => {
      for (const other of document.querySelectorAll("[data-deep-link-choose]")) other.disabled = true;
      result.textContent = "Sending your choice to the LMS…";
      try {
        const out = await api(box.dataset.endpoint, {
          method: "POST",
          json: { assessmentId: button.dataset.deepLinkChoose },
        });
        form.action = out.returnUrl;
        form.elements.JWT.value = out.jwt;
        form.submit();
      } catch (error) {
        result.textContent = `Could not add it: ${error.detail || error.message}`;
      }
    });
  }
}
