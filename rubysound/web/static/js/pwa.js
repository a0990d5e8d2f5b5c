// The installable app: registers the service worker (/service-worker.js, which caches only
// static assets and the offline page, shown when a full page load cannot reach the server).
// A boosted page fetch that fails keeps the page and the player: navigation-errors.js.

function register() {
  navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch((error) => {
    console.warn("The offline mode is not available:", error);
  });
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
