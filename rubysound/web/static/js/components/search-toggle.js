// The top bar's search on a phone: one row of icons, the search box behind a button that
// expands it over the row (the input gets the focus) and closes it again (the button, or
// Escape once the suggestions are closed and the box is empty). On wider screens the box is
// always there and this button is not shown (CSS: .topbar[data-search-collapsible]). It
// starts closed on every page, the search page too (which shows its query in its heading),
// so the row's links stay in reach.

export function mount(button) {
  const topbar = button.closest(".topbar");
  const input = topbar?.querySelector("#site-search");
  if (!topbar || !input) return undefined;
  topbar.dataset.searchCollapsible = "true";

  function setOpen(open, { focus = false } = {}) {
    topbar.classList.toggle("search-open", open);
    button.setAttribute("aria-expanded", String(open));
    button.setAttribute("aria-label", open ? button.dataset.labelClose : button.dataset.labelOpen);
    if (focus) (open ? input : button).focus();
  }

  const onClick = () => setOpen(!topbar.classList.contains("search-open"), { focus: true });
  // The search box handles Escape first (closing its suggestions, then clearing the text).
  const onKeydown = (event) => {
    if (event.key === "Escape" && !event.defaultPrevented && topbar.classList.contains("search-open")) {
      setOpen(false, { focus: true });
    }
  };

  // A new page (the results of the search, say) gives the row its links back.
  const onSwap = (event) => {
    if (event.detail?.target?.id === "main" && topbar.classList.contains("search-open")) {
      const focused = topbar.contains(document.activeElement);
      setOpen(false, { focus: focused });
    }
  };

  setOpen(false);
  button.addEventListener("click", onClick);
  topbar.addEventListener("keydown", onKeydown);
  document.addEventListener("htmx:afterSwap", onSwap);
  return () => {
    button.removeEventListener("click", onClick);
    topbar.removeEventListener("keydown", onKeydown);
    document.removeEventListener("htmx:afterSwap", onSwap);
    delete topbar.dataset.searchCollapsible;
  };
}
