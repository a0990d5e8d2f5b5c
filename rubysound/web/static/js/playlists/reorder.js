// Reordering the rows of an open playlist: the page changes at once, the server is told in
// the background (one PATCH at a time, in order), and when it refuses, the rows go back to
// the last order the server accepted and the page says why.

import { apiFetch, ApiError } from "../api.js";

const ROW = "li.track-row";

function moveInArray(ids, id, index) {
  const rest = ids.filter((other) => other !== id);
  rest.splice(Math.max(0, Math.min(index, rest.length)), 0, id);
  return rest;
}

export class Reorderer {
  /**
   * @param {HTMLOListElement} list the rows
   * @param {{playlistId:number, offset:number, total:number, text:object}} config
   * @param {{announce:(text:string)=>void, fail:(text:string)=>void, clear:()=>void,
   *          state:(name:string)=>void}} ui
   */
  constructor(list, config, ui) {
    this.list = list;
    this.url = `/api/playlists/${config.playlistId}/tracks/`;
    this.offset = config.offset || 0;
    this.total = config.total || 0;
    this.text = config.text || {};
    this.ui = ui;
    this.confirmed = this.ids();
    this.chain = Promise.resolve();
    this.generation = 0;
    this.pending = 0;
    this.controller = new AbortController();
  }

  rows() {
    return Array.from(this.list.querySelectorAll(`:scope > ${ROW}`));
  }

  ids() {
    return this.rows().map((row) => row.dataset.trackId);
  }

  rowOf(id) {
    return this.rows().find((row) => row.dataset.trackId === id) || null;
  }

  /** Marks the first row's "Move up" and the last row's "Move down" as unavailable. */
  refreshButtons() {
    this.rows().forEach((row, index) => {
      const position = this.offset + index;
      const up = row.querySelector("[data-move='up']");
      const down = row.querySelector("[data-move='down']");
      if (up) up.setAttribute("aria-disabled", String(position === 0));
      if (down) down.setAttribute("aria-disabled", String(position >= this.total - 1));
    });
  }

  /** Puts `row` at `index` among the rows (the page only); focus stays where it was. */
  place(row, index) {
    const focused = document.activeElement;
    const others = this.rows().filter((other) => other !== row);
    const before = others[index] || null;
    this.list.insertBefore(row, before);
    if (focused instanceof HTMLElement && row.contains(focused) && document.activeElement !== focused) {
      focused.focus();
    }
    this.refreshButtons();
  }

  /** Shows the move of `row` to `index`, announces it and saves it. */
  move(row, index) {
    const from = this.rows().indexOf(row);
    if (from < 0 || index === from) return;
    this.place(row, index);
    this.settled(row);
  }

  /** `row` has reached its new place (by button or drag): announce and save it. */
  settled(row) {
    const index = this.rows().indexOf(row);
    const title = row.querySelector(".track-title")?.textContent.trim() || "";
    this.ui.announce(
      (this.text.moved || "")
        .replace("%(title)s", title)
        .replace("%(position)s", String(this.offset + index + 1))
        .replace("%(count)s", String(this.total)),
    );
    this.save(row.dataset.trackId, index);
  }

  save(trackId, index) {
    const generation = this.generation;
    this.pending += 1;
    this.ui.state("saving");
    this.chain = this.chain.then(async () => {
      try {
        // A refused move before this one put the rows back: this one went with it.
        if (generation !== this.generation) return;
        await apiFetch(this.url, {
          method: "PATCH",
          body: { track_id: Number(trackId), position: this.offset + index },
          signal: this.controller.signal,
        });
        this.confirmed = moveInArray(this.confirmed, trackId, index);
        this.ui.clear();
      } catch (error) {
        if (error && error.name === "AbortError") return;
        this.generation += 1;
        this.restore();
        this.ui.fail(this.reason(error));
      } finally {
        this.pending -= 1;
        if (this.pending === 0) this.ui.state(generation === this.generation ? "saved" : "failed");
      }
    });
  }

  /** Back to the last order the server accepted. */
  restore() {
    const focused = document.activeElement;
    for (const id of this.confirmed) {
      const row = this.rowOf(id);
      if (row) this.list.appendChild(row);
    }
    if (focused instanceof HTMLElement && document.activeElement !== focused) focused.focus();
    this.refreshButtons();
  }

  reason(error) {
    const text = this.text;
    let why = "";
    if (error instanceof ApiError) {
      why = error.status === 401 || error.status === 403 ? text.signIn : error.detail;
    } else if (error instanceof TypeError) {
      why = text.offline;
    }
    return (text.failed || "").replace("%(reason)s", why || "").trim();
  }

  destroy() {
    this.controller.abort();
  }
}
