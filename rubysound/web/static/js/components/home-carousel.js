// The top artists carousel: the list scrolls on its own (touch, trackpad, keyboard once
// focused, scroll snapping); this adds previous/next buttons that move it by a page of
// cards, disabled at either end, and arrow keys on a focused card.

function button(label, symbol) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "icon-button";
  element.setAttribute("aria-label", label);
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = symbol;
  element.append(icon);
  return element;
}

export function mount(root) {
  const track = root.querySelector(".home-carousel-track");
  if (!track) return undefined;
  const previous = button(root.dataset.labelPrevious || "", "‹");
  const next = button(root.dataset.labelNext || "", "›");
  const controls = document.createElement("div");
  controls.className = "home-carousel-controls";
  controls.append(previous, next);
  root.prepend(controls);

  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)");
  const behavior = () => (reduceMotion.matches ? "auto" : "smooth");

  const update = () => {
    const max = track.scrollWidth - track.clientWidth;
    previous.disabled = track.scrollLeft <= 4;
    next.disabled = track.scrollLeft >= max - 4;
    controls.hidden = max <= 4;
  };
  const page = (direction) => {
    track.scrollBy({ left: direction * track.clientWidth * 0.9, behavior: behavior() });
  };
  const onPrevious = () => page(-1);
  const onNext = () => page(1);
  // Left/right on a focused card moves to its neighbour (and scrolls it into view).
  const onKey = (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const card = event.target.closest(".home-artist");
    if (!card) return;
    const sibling =
      event.key === "ArrowLeft" ? card.previousElementSibling : card.nextElementSibling;
    const link = sibling && sibling.querySelector("a");
    if (link) {
      event.preventDefault();
      link.focus();
      link.scrollIntoView({ block: "nearest", inline: "nearest", behavior: behavior() });
    }
  };

  previous.addEventListener("click", onPrevious);
  next.addEventListener("click", onNext);
  track.addEventListener("scroll", update, { passive: true });
  track.addEventListener("keydown", onKey);
  const resize = new ResizeObserver(update);
  resize.observe(track);
  update();

  return () => {
    resize.disconnect();
    previous.removeEventListener("click", onPrevious);
    next.removeEventListener("click", onNext);
    track.removeEventListener("scroll", update);
    track.removeEventListener("keydown", onKey);
    controls.remove();
  };
}
