// The installable app: registers the service worker (/service-worker.js, which caches only
// static assets and the offline page), and turns a boosted page fetch that cannot reach the
// server into a real navigation, so the worker can show the offline page instead of nothing.

function register() {
  navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch((error) => {
    console.warn("The offline mode is not available:", error);
  });
}

// The page a boosted GET (a link, a search form) was going to; null for anything else.
function boostedPage(detail) {
  const verb = detail.requestConfig && detail.requestConfig.verb;
  const path =
    detail.pathInfo && (detail.pathInfo.finalRequestPath || detail.pathInfo.requestPath);
  return detail.boosted && verb === "get" && path ? path : null;
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });

  // Known offline: navigate for real straight away (the worker answers with the offline page).
  document.addEventListener("htmx:beforeRequest", (event) => {
    const path = boostedPage(event.detail || {});
    if (path && !navigator.onLine && navigator.serviceWorker.controller) {
      event.preventDefault();
      window.location.assign(path);
    }
  });
  // The connection looked fine but the server could not be reached.
  document.addEventListener("htmx:sendError", (event) => {
    const path = boostedPage(event.detail || {});
    if (path && navigator.serviceWorker.controller) window.location.assign(path);
  });
}
