// Talking to Verdict's JSON API from the pages: cookies for the session, the CSRF token (the readable
// verdict_csrf cookie) in X-CSRF-Token on every write, one quiet session refresh when the access cookie expired.

const CSRF_COOKIE = "verdict_csrf";

export class ApiError extends Error {
  constructor(status, detail, errors = []) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.errors = errors;
  }
}

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return "";
}

function forgetCsrfCookie() {
  document.cookie = `${CSRF_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax`;
}

let refreshing = null;

// Renew the session from the refresh cookie (rotated on use, so only one refresh runs at a time).
export function refreshSession() {
  if (!csrfToken()) return Promise.resolve(false);
  if (refreshing === null) {
    refreshing = fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "X-CSRF-Token": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    })
      .then((resp) => {
        if (!resp.ok && (resp.status === 401 || resp.status === 403)) forgetCsrfCookie();
        return resp.ok;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

async function readBody(resp) {
  const type = resp.headers.get("content-type") || "";
  if (resp.status === 204) return null;
  if (type.includes("json")) {
    try {
      return await resp.json();
    } catch {
      return null;
    }
  }
  return await resp.text();
}

function describe(status, body) {
  if (body && typeof body === "object" && typeof body.detail === "string") return body.detail;
  if (status === 0) return "Verdict could not be reached: check your connection and try again.";
  if (status === 413) return "That is too large for Verdict to accept.";
  if (status >= 500) return "Something went wrong on Verdict's side; try again in a moment.";
  return `The request failed (HTTP ${status}).`;
}

// fetch() for the API. `json` is sent as a JSON body; `body` as is (files). Throws ApiError with the API's
// message (and per-field errors) when the answer is not a success.
export async function api(path, { method = "GET", json, body, headers = {}, retry = true } = {}) {
  const sent = new Headers(headers);
  sent.set("Accept", "application/json");
  let payload = body;
  if (json !== undefined) {
    sent.set("Content-Type", "application/json");
    payload = JSON.stringify(json);
  }
  if (!["GET", "HEAD"].includes(method)) {
    const token = csrfToken();
    if (token) sent.set("X-CSRF-Token", token);
  }
  let resp;
  try {
    resp = await fetch(path, { method, headers: sent, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, describe(0, null));
  }
  if (resp.status === 401 && retry && !path.startsWith("/api/auth/") && (await refreshSession())) {
    return api(path, { method, json, body, headers, retry: false });
  }
  const data = await readBody(resp);
  if (!resp.ok) {
    const errors = data && typeof data === "object" && Array.isArray(data.errors) ? data.errors : [];
    throw new ApiError(resp.status, describe(resp.status, data), errors);
  }
  return data;
}

// A local path to go to after signing in, never another site.
export function safeNext(target, fallback = "/problems") {
  if (!target || !target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\")) return fallback;
  return target;
}
