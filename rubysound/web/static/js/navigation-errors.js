// When a boosted page fetch fails (the server is briefly down, the connection dropped, a proxy
// answers 502 with a page of its own), the page stays as it is: the top bar, the content and
// the player bar (and what it plays) are kept, and a message above the content offers to try
// again. Only a full page load that cannot reach the server gets the service worker's offline
// page (service-worker.js).
//
// Errors the server answers with a page of the site (a 404 or 403 inside the shell) are
// swapped in as usual: they say what went wrong in the page's own place.

const banner = document.querySelector("[data-navigation-error]");
const message = banner?.querySelector("[data-navigation-error-text]");
const retryButton = banner?.querySelector("[data-navigation-retry]");
let retry = null;

// A request that navigates (a boosted link or form, or anything swapping #main).
function isNavigation(detail) {
  return Boolean(detail && (detail.boosted || detail.target?.id === "main"));
}

function requestOf(detail) {
  const verb = detail.requestConfig?.verb || "get";
  const path = detail.pathInfo?.finalRequestPath || detail.pathInfo?.requestPath || "";
  return { verb, path, source: detail.requestConfig?.elt || detail.elt };
}

function hide() {
  if (!banner || banner.hidden) return;
  banner.hidden = true;
  retry = null;
}

function show(kind, detail) {
  if (!banner) return;
  const { verb, path, source } = requestOf(detail);
  message.textContent = banner.dataset[kind === "offline" ? "textOffline" : "textServer"];
  // Only a GET is safe to send again by itself; a form that writes is the user's to resend.
  retry =
    verb === "get" && path
      ? () => {
          if (source instanceof HTMLFormElement && source.isConnected) source.requestSubmit();
          else if (source instanceof HTMLAnchorElement && source.isConnected) source.click();
          else window.location.assign(path);
        }
      : null;
  retryButton.hidden = retry === null;
  banner.hidden = false;
}

if (banner) {
  retryButton.addEventListener("click", () => {
    const again = retry;
    hide();
    if (again) again();
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (isNavigation(event.detail)) hide();
  });

  // No answer at all: nothing to swap, the page stays.
  document.addEventListener("htmx:sendError", (event) => {
    if (isNavigation(event.detail)) show(navigator.onLine ? "server" : "offline", event.detail);
  });
  document.addEventListener("htmx:timeout", (event) => {
    if (isNavigation(event.detail)) show("server", event.detail);
  });

  // An error answer that is not a page of this site (a proxy's 502 page): swapping it would
  // leave the region empty, so keep the page and say so.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    if (!detail.isError || !isNavigation(detail)) return;
    const targetId = detail.target?.id;
    const text = detail.serverResponse || "";
    if (targetId && text.includes(`id="${targetId}"`)) return;
    detail.shouldSwap = false;
    show("server", detail);
  });
}
