// JSON calls to our API as the signed-in browser session.
//
// The API accepts the session cookie (DRF SessionAuthentication), which enforces Django's
// CSRF check on every unsafe method: writes carry the token from the `csrftoken` cookie
// in the X-CSRFToken header. Pages that use this module set that cookie
// (`ensure_csrf_cookie`).

const CSRF_COOKIE = "csrftoken";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * An API answer that was not a success; `detail` is the server's message when it sent one,
 * `fields` its per-field messages (validation errors), `retryAfter` the seconds a 429 asks
 * to wait (null when it did not say).
 */
export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    const detail = body && typeof body.detail === "string" ? body.detail : "";
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.code = body && typeof body.code === "string" ? body.code : "";
    this.fields = body && body.fields && typeof body.fields === "object" ? body.fields : {};
    this.retryAfter = retryAfter;
  }
}

function retryAfterSeconds(response) {
  const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) {
      return decodeURIComponent(part.slice(separator + 1).trim());
    }
  }
  return "";
}

/**
 * Calls `path` and answers its JSON body; throws ApiError for an error status and the
 * browser's TypeError when the network failed.
 */
export async function apiFetch(path, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = readCookie(CSRF_COOKIE);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data, retryAfterSeconds(response));
  return data;
}
