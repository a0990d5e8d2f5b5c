// "Up next": the player's queue as a panel above the bar, in the order it plays, the current
// track marked (aria-current). A click (or Enter/Space) on a track plays it; ↑/↓, Home and
// End move between the tracks; Alt+↑/↓ moves the focused track up or down the queue (the
// keyboard's way to do what dragging its handle does); Escape closes the panel and gives
// the focus back to its button, as does a click outside the player.
//
// Each row can be dragged by its handle (../playlists/drag.js, as a playlist's rows) and
// removed; the head clears the queue and, for signed-in listeners, saves it as a new
// playlist. The panel only shows and asks: the player owns the queue (`onMove`,
// `onRemove`, `onClear`, `onSaveAsPlaylist`).

import { enableDrag } from "../playlists/drag.js";

const ROW = "li.player-queue-row";
const HANDLE = ".player-queue-handle";

function interpolate(template, values) {
  return (template || "").replace(/%\((\w+)\)s/g, (match, name) =>
    name in values ? values[name] : match,
  );
}

function todayLabel() {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      dateStyle: "medium",
    }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export class QueuePanel {
  constructor(bar, { onChoose, onMove, onRemove, onClear, onSaveAsPlaylist }) {
    this.bar = bar;
    this.panel = bar.querySelector("[data-queue]");
    this.list = bar.querySelector("[data-queue-list]");
    this.empty = bar.querySelector("[data-queue-empty]");
    this.status = bar.querySelector("[data-queue-status]");
    this.toggleButton = bar.querySelector('[data-action="queue"]');
    this.closeButton = bar.querySelector('[data-action="close-queue"]');
    this.clearButton = bar.querySelector('[data-action="clear-queue"]');
    this.saveButton = bar.querySelector('[data-action="save-queue"]');
    this.saveForm = bar.querySelector("[data-queue-save]");
    this.text = this.list.dataset;
    this.currentLabel = this.list.dataset.labelCurrent;
    this.onChoose = onChoose;
    this.onMove = onMove;
    this.onRemove = onRemove;
    this.onClear = onClear;
    this.onSaveAsPlaylist = onSaveAsPlaylist;
    this.removers = [];
    this.count = 0;

    this.on(this.toggleButton, "click", () => (this.isOpen() ? this.close() : this.open()));
    this.on(this.closeButton, "click", () => this.close({ focus: true }));
    this.on(this.clearButton, "click", () => this.clear());
    this.on(this.list, "click", (event) => this.onListClick(event));
    this.on(this.panel, "keydown", (event) => this.onPanelKeydown(event));
    if (this.saveButton && this.saveForm) {
      this.on(this.saveButton, "click", () => this.toggleSaveForm());
      this.on(this.saveForm, "submit", (event) => this.onSaveSubmit(event));
      const cancel = this.saveForm.querySelector('[data-action="cancel-save-queue"]');
      this.on(cancel, "click", () => this.hideSaveForm({ focus: true }));
    }
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
    const stopDrag = enableDrag(this.list, this.dragTarget(), { row: ROW, handle: HANDLE });
    this.removers.push(stopDrag);
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

  rows() {
    return [...this.list.querySelectorAll(`:scope > ${ROW}`)];
  }

  say(message) {
    if (!this.status || !message) return;
    this.status.textContent = "";
    setTimeout(() => {
      this.status.textContent = message;
    }, 50);
  }

  // --- Reordering, removing, clearing ------------------------------------------------------

  /** What ../playlists/drag.js moves: the rows, put back or reported once dropped. */
  dragTarget() {
    return {
      rows: () => this.rows(),
      refreshButtons: () => {},
      place: (row, index) => {
        const others = this.rows().filter((other) => other !== row);
        this.list.insertBefore(row, others[index] || null);
      },
      settled: (row) => {
        const from = Number(row.dataset.position);
        const to = this.rows().indexOf(row);
        const title = row.querySelector(".player-queue-name")?.textContent || "";
        if (to >= 0 && from !== to) this.move(from, to, title);
      },
    };
  }

  move(from, to, title = this.rows()[from]?.querySelector(".player-queue-name")?.textContent) {
    if (this.onMove(from, to) === false) return;
    this.say(
      interpolate(this.text.textMoved, {
        title: title || "",
        position: String(to + 1),
        count: String(this.count),
      }),
    );
  }

  onListClick(event) {
    if (!(event.target instanceof Element)) return;
    const remove = event.target.closest("[data-queue-remove]");
    if (remove) {
      const position = Number(remove.dataset.queueRemove);
      const row = remove.closest(ROW);
      const title = row?.querySelector(".player-queue-name")?.textContent || "";
      // The focus goes to the row that takes its place (or the one before the last).
      this.onRemove(position);
      this.say(interpolate(this.text.textRemoved, { title }));
      const items = this.items();
      const next = items[Math.min(position, items.length - 1)];
      if (next) next.focus({ preventScroll: true });
      else this.closeButton.focus();
      return;
    }
    const item = event.target.closest("[data-queue-index]");
    if (item) this.onChoose(Number(item.dataset.queueIndex));
  }

  clear() {
    if (this.clearButton.getAttribute("aria-disabled") === "true") return;
    this.onClear();
    this.say(this.text.textCleared);
  }

  // --- Saving as a playlist ----------------------------------------------------------------

  toggleSaveForm() {
    if (this.saveButton.getAttribute("aria-disabled") === "true") return;
    if (this.saveForm.hidden) this.showSaveForm();
    else this.hideSaveForm({ focus: true });
  }

  showSaveForm() {
    const input = this.saveForm.querySelector("input[name=title]");
    if (!input.value) {
      input.value = interpolate(this.saveForm.dataset.defaultTitle, { date: todayLabel() });
    }
    this.saveForm.hidden = false;
    this.saveButton.setAttribute("aria-expanded", "true");
    input.focus();
    input.select();
  }

  hideSaveForm({ focus = false } = {}) {
    this.saveForm.hidden = true;
    this.saveButton.setAttribute("aria-expanded", "false");
    if (focus) this.saveButton.focus();
  }

  async onSaveSubmit(event) {
    event.preventDefault();
    const input = this.saveForm.querySelector("input[name=title]");
    const title = input.value.trim();
    if (!title) {
      input.focus();
      return;
    }
    const text = this.saveForm.dataset;
    const submit = this.saveForm.querySelector("[type=submit]");
    submit.disabled = true;
    this.setStatus(text.textSaving);
    try {
      const playlist = await this.onSaveAsPlaylist(title);
      if (!playlist) {
        this.setStatus(text.textEmpty);
        return;
      }
      this.hideSaveForm();
      input.value = "";
      const link = document.createElement("a");
      link.href = `/playlists/${encodeURIComponent(playlist.id)}/`;
      link.textContent = text.textOpen;
      this.status.replaceChildren(
        document.createTextNode(`${interpolate(text.textSaved, { title: playlist.title })} `),
        link,
      );
      this.saveButton.focus();
    } catch (error) {
      const reason = (error && (error.detail || error.message)) || "";
      this.setStatus(interpolate(text.textFailed, { reason }));
    } finally {
      submit.disabled = false;
    }
  }

  setStatus(message) {
    if (this.status) this.status.textContent = message || "";
  }

  // --- Rendering ----------------------------------------------------------------------------

  /** The queue in the order it plays (`order`: queue indexes), `current` marked. */
  render(queue, order, current) {
    const focusedEl = document.activeElement;
    const focused =
      this.list.contains(focusedEl) && focusedEl.dataset.queueIndex !== undefined
        ? Number(focusedEl.dataset.queueIndex)
        : null;
    this.count = order.length;
    const rows = order.map((index, position) => this.row(queue[index] || {}, index, position, current));
    this.list.replaceChildren(...rows);
    this.empty.hidden = order.length > 0;
    // aria-disabled, not disabled: a focused button that becomes disabled drops the focus.
    // Clearing keeps the track playing, so a queue of one has nothing to clear.
    this.clearButton.setAttribute("aria-disabled", String(order.length <= 1));
    if (this.saveButton) this.saveButton.setAttribute("aria-disabled", String(order.length === 0));
    // A re-render under the keyboard keeps the focus on the same track.
    if (focused !== null) {
      const again = this.list.querySelector(`[data-queue-index="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
    if (this.isOpen()) {
      this.list.querySelector('[aria-current="true"]')?.scrollIntoView({ block: "nearest" });
    }
  }

  row(track, index, position, current) {
    const li = document.createElement("li");
    li.className = "player-queue-row";
    li.dataset.position = String(position);
    if (track.id !== undefined && track.id !== null) li.dataset.trackId = String(track.id);

    const handle = document.createElement("span");
    handle.className = "player-queue-handle";
    handle.setAttribute("aria-hidden", "true");
    handle.title = this.text.labelDrag || "";
    handle.textContent = "⠿";

    const button = document.createElement("button");
    button.type = "button";
    button.className = "player-queue-item";
    button.dataset.queueIndex = String(index);
    button.setAttribute("aria-keyshortcuts", "Alt+ArrowUp Alt+ArrowDown");
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

    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "player-button player-queue-remove";
    remove.dataset.queueRemove = String(position);
    remove.setAttribute(
      "aria-label",
      interpolate(this.text.labelRemove, { title: track.name || "" }),
    );
    remove.innerHTML =
      '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
      '<path d="M7 7l10 10M17 7L7 17" fill="none" stroke="currentColor" stroke-width="2"/></svg>';

    li.append(handle, button, remove);
    return li;
  }

  onPanelKeydown(event) {
    if (event.ctrlKey || event.metaKey) return;
    const items = this.items();
    const at = items.indexOf(document.activeElement);
    if (event.altKey) {
      if (at < 0 || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
      event.preventDefault();
      const to = event.key === "ArrowUp" ? at - 1 : at + 1;
      if (to < 0 || to >= items.length) return;
      this.move(at, to);
      // The queue was renumbered: the moved track is now at `to`.
      this.items()[to]?.focus({ preventScroll: true });
      return;
    }
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
