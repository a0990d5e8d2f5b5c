// The phone's "now playing" view: the compact player bar (cover, title, play/pause, next)
// expands into a full-screen view (large cover, waveform, all controls, the queue) and
// collapses back. Only the look changes (CSS: .player.is-expanded, below 700 px): the
// player component (player.js) keeps driving the same elements, so nothing stops or reloads.
// Mounted on the bar's expand button (outside #main, once per full page load).

const WIDE = window.matchMedia("(min-width: 700px)");

export function mount(expandButton) {
  const player = expandButton.closest("#player");
  const collapseButton = player?.querySelector('[data-now-playing="collapse"]');
  if (!player || !collapseButton) return undefined;

  const isExpanded = () => player.classList.contains("is-expanded");

  function setExpanded(expanded, { focus = true } = {}) {
    if (expanded === isExpanded()) return;
    player.classList.toggle("is-expanded", expanded);
    document.documentElement.classList.toggle("now-playing-open", expanded);
    expandButton.setAttribute("aria-expanded", String(expanded));
    // A full-screen view: the page behind it cannot be reached until it closes.
    if (expanded) player.setAttribute("role", "dialog");
    else player.removeAttribute("role");
    player.toggleAttribute("aria-modal", expanded);
    for (const element of document.body.children) {
      if (element !== player) element.inert = expanded;
    }
    if (focus) (expanded ? collapseButton : expandButton).focus();
  }

  const expand = () => setExpanded(true);
  const collapse = () => setExpanded(false);
  // The queue panel handles Escape first when it is open as a panel.
  const onKeydown = (event) => {
    if (event.key === "Escape" && isExpanded() && !event.defaultPrevented) {
      event.preventDefault();
      collapse();
    }
  };
  // A wider window has room for the whole bar: no full-screen view there.
  const onWidthChange = () => {
    if (WIDE.matches) setExpanded(false, { focus: false });
  };
  // The player hides when nothing plays any more: leave no page locked behind it.
  const observer = new MutationObserver(() => {
    if (player.hidden) setExpanded(false, { focus: false });
  });

  expandButton.addEventListener("click", expand);
  collapseButton.addEventListener("click", collapse);
  document.addEventListener("keydown", onKeydown);
  WIDE.addEventListener("change", onWidthChange);
  observer.observe(player, { attributes: true, attributeFilter: ["hidden"] });
  return () => {
    setExpanded(false, { focus: false });
    expandButton.removeEventListener("click", expand);
    collapseButton.removeEventListener("click", collapse);
    document.removeEventListener("keydown", onKeydown);
    WIDE.removeEventListener("change", onWidthChange);
    observer.disconnect();
  };
}
