// "My playlists": the page works as plain forms; this adds moves without reloading. The
// "Move up" / "Move down" buttons of each row (keyboard and screen readers) and dragging a
// row by its handle change the order at once, announce it, and save it through
// PATCH /api/playlists/<id>/tracks/; a refused save puts the order back and says why.

import { enableDrag } from "../playlists/drag.js";
import { Reorderer } from "../playlists/reorder.js";

function readConfig(root) {
  const block = root.querySelector("#playlists-config");
  try {
    return block ? JSON.parse(block.textContent) : {};
  } catch {
    return {};
  }
}

/** On a phone the playlists are a sideways strip: bring the open one into view. */
function revealCurrent(root) {
  const strip = root.querySelector(".playlist-links");
  const current = strip?.querySelector("[aria-current='page']");
  if (!strip || !current || strip.scrollWidth <= strip.clientWidth) return;
  const item = current.closest("li") || current;
  strip.scrollLeft = item.offsetLeft - strip.offsetLeft - 16;
}

export function mount(root) {
  revealCurrent(root);
  const config = readConfig(root);
  const list = root.querySelector("#playlist-track-list");
  if (!config.canReorder || !list) return undefined;

  const status = root.querySelector("[data-reorder-status]");
  const alert = root.querySelector("[data-reorder-error]");
  const ui = {
    announce(text) {
      if (status) status.textContent = text;
    },
    fail(text) {
      if (!alert) return;
      alert.textContent = text;
      alert.hidden = false;
    },
    clear() {
      if (!alert || alert.hidden) return;
      alert.hidden = true;
      alert.textContent = "";
    },
    state(name) {
      root.dataset.orderState = name;
    },
  };
  const reorderer = new Reorderer(list, config, ui);
  reorderer.refreshButtons();
  root.dataset.orderState = "saved";

  const onClick = (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-move]") : null;
    if (!button || !list.contains(button)) return;
    // Handled here: the form's submit (a page reload) is the fallback without this script.
    event.preventDefault();
    if (button.getAttribute("aria-disabled") === "true") return;
    const row = button.closest("li.track-row");
    const index = reorderer.rows().indexOf(row);
    reorderer.move(row, button.dataset.move === "up" ? index - 1 : index + 1);
    button.focus();
  };
  list.addEventListener("click", onClick);
  list.classList.add("is-reorderable");
  const stopDrag = enableDrag(list, reorderer);

  return () => {
    list.removeEventListener("click", onClick);
    stopDrag();
    reorderer.destroy();
  };
}
