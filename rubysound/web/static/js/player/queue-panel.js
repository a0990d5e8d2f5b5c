// "Up next": the player's queue as a panel above the bar, in the order it plays, the current
// track marked (aria-current). A click (or Enter/Space) on a track plays it; ↑/↓, Home and
// End move between the tracks; Escape closes the panel and gives the focus back to its
// button, as does a click outside the player.

export class QueuePanel {
  constructor(bar, { onChoose }) {
    this.bar = bar;
    this.panel = bar.querySelector("[data-queue]");
    this.list = bar.querySelector("[data-queue-list]");
    this.toggleButton = bar.querySelector('[data-action="queue"]');
    this.closeButton = bar.querySelector('[data-action="close-queue"]');
    this.currentLabel = this.list.dataset.labelCurrent;
    this.onChoose = onChoose;
    this.removers = [];

    this.on(this.toggleButton, "click", () => (this.isOpen() ? this.close() : this.open()));
    this.on(this.closeButton, "click", () => this.close({ focus: true }));
    this.on(this.list, "click", (event) => {
      const item = event.target instanceof Element && event.target.closest("[data-queue-index]");
      if (item) this.onChoose(Number(item.dataset.queueIndex));
    });
    this.on(this.panel, "keydown", (event) => this.onPanelKeydown(event));
    this.on(document, "keydown", (event) => {
      if (event.key === "Escape" && this.isOpen() && !event.defaultPrevented) {
        event.preventDefault();
        this.close({ focus: this.panel.contains(document.activeElement) });
      }
    });
    this.on(document, "pointerdown", (event) => {
      const player = this.bar.parentElement;
      if (this.isOpen() && event.target instanceof Node && !player.contains(event.target)) {
        this.close();
      }
    });
  }

  on(target, type, handler) {
    target.addEventListener(type, handler);
    this.removers.push(() => target.removeEventListener(type, handler));
  }

  destroy() {
    this.removers.forEach((remove) => remove());
  }

  isOpen() {
    return !this.panel.hidden;
  }

  open() {
    this.panel.hidden = false;
    this.toggleButton.setAttribute("aria-expanded", "true");
    const current = this.list.querySelector('[aria-current="true"]') || this.items()[0];
    if (current) {
      current.scrollIntoView({ block: "nearest" });
      current.focus({ preventScroll: true });
    } else {
      this.closeButton.focus();
    }
  }

  close({ focus = true } = {}) {
    if (!this.isOpen()) return;
    this.panel.hidden = true;
    this.toggleButton.setAttribute("aria-expanded", "false");
    if (focus) this.toggleButton.focus();
  }

  items() {
    return [...this.list.querySelectorAll("[data-queue-index]")];
  }

  /** The queue in the order it plays (`order`: queue indexes), `current` marked. */
  render(queue, order, current) {
    const focused = this.list.contains(document.activeElement)
      ? Number(document.activeElement.dataset.queueIndex)
      : null;
    const rows = order.map((index, position) => {
      const track = queue[index] || {};
      const button = document.createElement("button");
      button.type = "button";
      button.className = "player-queue-item";
      button.dataset.queueIndex = String(index);
      if (index === current) button.setAttribute("aria-current", "true");

      const number = document.createElement("span");
      number.className = "player-queue-number";
      number.setAttribute("aria-hidden", "true");
      number.textContent = index === current ? "▶" : String(position + 1);
      const text = document.createElement("span");
      text.className = "player-queue-text";
      const name = document.createElement("span");
      name.className = "player-queue-name";
      name.textContent = track.name || "";
      const artist = document.createElement("span");
      artist.className = "player-queue-artist";
      artist.textContent = track.artist || "";
      // Read as "Title, Artist" (and "Now playing" for the current one).
      const separator = document.createElement("span");
      separator.className = "visually-hidden";
      separator.textContent = ", ";
      text.append(name, separator, artist);
      if (index === current && this.currentLabel) {
        const marker = document.createElement("span");
        marker.className = "visually-hidden";
        marker.textContent = `, ${this.currentLabel}`;
        text.append(marker);
      }
      button.append(number, text);
      const li = document.createElement("li");
      li.append(button);
      return li;
    });
    this.list.replaceChildren(...rows);
    // A re-render under the keyboard keeps the focus on the same track.
    if (focused !== null) {
      const again = this.list.querySelector(`[data-queue-index="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
    if (this.isOpen()) {
      this.list.querySelector('[aria-current="true"]')?.scrollIntoView({ block: "nearest" });
    }
  }

  onPanelKeydown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const items = this.items();
    const at = items.indexOf(document.activeElement);
    let target = null;
    if (event.key === "ArrowDown") target = items[Math.min(items.length - 1, at + 1)];
    else if (event.key === "ArrowUp") target = items[Math.max(0, at - 1)];
    else if (event.key === "Home") target = items[0];
    else if (event.key === "End") target = items[items.length - 1];
    else if (event.key === "Escape") {
      event.preventDefault();
      this.close({ focus: true });
      return;
    }
    if (!target) return; // other keys: the button's own, or the player's shortcuts
    event.preventDefault();
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  }
}
