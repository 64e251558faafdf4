// The sign-in page: the right password of a registration whose address is not confirmed yet answers 403 with the
// code "email_unconfirmed" (no one else learns this); the page then offers to send the confirmation link again.
import { api } from "./api.js";

const form = document.getElementById("login-form");
const panel = document.getElementById("unconfirmed");
const resend = document.getElementById("resend-confirmation");
const status = document.getElementById("resend-status");

form.addEventListener("verdict:error", (event) => {
  const errors = event.detail?.errors || [];
  if (!errors.some((item) => item && item.code === "email_unconfirmed")) return;
  status.textContent = "";
  panel.hidden = false;
});

resend.addEventListener("click", async () => {
  resend.disabled = true;
  status.textContent = "";
  try {
    const answer = await api("/api/auth/verify-email/resend", {
      method: "POST",
      json: { email: form.elements.namedItem("email").value, password: form.elements.namedItem("password").value },
    });
    status.textContent = answer.detail.charAt(0).toUpperCase() + answer.detail.slice(1);
  } catch (error) {
    status.textContent = error.message || "Something went wrong.";
  } finally {
    resend.disabled = false;
  }
});
