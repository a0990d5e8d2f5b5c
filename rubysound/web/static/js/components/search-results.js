// The search page: sort, artist filter and grouping apply as soon as they change (the
// form still has its button, and works without this script), and "Load more" (an htmx
// request that appends the next rows) keeps keyboard focus in the list and says when
// it fails instead of silently dropping the button.

export function mount(root) {
  const form = root.querySelector("[data-search-controls]");
  let pendingFrom = -1;

  function rows() {
    return root.querySelectorAll("#search-results > li");
  }

  function onChange(event) {
    if (!(event.target instanceof Element) || !event.target.matches("[data-autosubmit]")) return;
    // Filtering or sorting starts again from the first results.
    form.requestSubmit();
  }

  function loadMoreLink(event) {
    const source = event.detail?.elt;
    return source instanceof Element && source.matches("[data-load-more]") ? source : null;
  }

  function showError(link) {
    const message = link.parentElement?.querySelector("[data-load-error]");
    if (message) {
      message.textContent = root.dataset.labelLoadError;
      message.hidden = false;
    }
    link.removeAttribute("aria-busy");
    pendingFrom = -1;
  }

  function onBeforeRequest(event) {
    const link = loadMoreLink(event);
    if (!link) return;
    const message = link.parentElement?.querySelector("[data-load-error]");
    if (message) message.hidden = true;
    link.setAttribute("aria-busy", "true");
    pendingFrom = rows().length - 1; // the load-more row is replaced by the new rows
  }

  function onBeforeSwap(event) {
    const link = loadMoreLink(event);
    if (!link || !event.detail.isError) return;
    // An error page has no rows to append: keep the button and say what happened.
    event.detail.shouldSwap = false;
    showError(link);
  }

  function onSendError(event) {
    const link = loadMoreLink(event);
    if (link) showError(link);
  }

  function onAfterSettle() {
    if (pendingFrom < 0) return;
    const first = rows()[pendingFrom];
    pendingFrom = -1;
    // Focus was on the button that is gone: put it on the first new row.
    const target = first?.querySelector("button:not([disabled]), a[href]");
    if (target && (document.activeElement === document.body || !document.activeElement)) {
      target.focus();
    }
  }

  form?.addEventListener("change", onChange);
  root.addEventListener("htmx:beforeRequest", onBeforeRequest);
  root.addEventListener("htmx:beforeSwap", onBeforeSwap);
  root.addEventListener("htmx:sendError", onSendError);
  root.addEventListener("htmx:afterSettle", onAfterSettle);
  return () => {
    form?.removeEventListener("change", onChange);
    root.removeEventListener("htmx:beforeRequest", onBeforeRequest);
    root.removeEventListener("htmx:beforeSwap", onBeforeSwap);
    root.removeEventListener("htmx:sendError", onSendError);
    root.removeEventListener("htmx:afterSettle", onAfterSettle);
  };
}
