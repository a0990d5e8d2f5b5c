// The signed-in listener's queue on the server (GET/PUT /api/me/queue/), so that it continues
// after a reload and on another browser, and is the same queue the Subsonic apps save.
//
// Saves are debounced and sent one at a time, each with If-Match naming the version this
// page last read or saved. When another device saved in between the server answers 412:
// the newer queue is read. If only its current track or position moved (a player elsewhere
// saving where it is), its tracks are the ones this page edited, and the save is sent again
// over it; otherwise the newer queue is handed to `onConflict` (the player shows it), never
// silently overwritten. Tracks without a catalog id (a service's preview) cannot be kept on the
// server and are left out of the saved queue.

import { ApiError, readCookie } from "../api.js";

const URL = "/api/me/queue/";
const MAX_TRACKS = 1000; // the server's cap (catalog.listening.play_queue.MAX_QUEUE_TRACKS)
const SAVE_DELAY_MS = 800;

/** What a queue saves: the saveable tracks, the current one's place among them, the time. */
export function queueBody(tracks, index, seconds) {
  const ids = [];
  let current = 0;
  tracks.forEach((track, at) => {
    const id = Number(track && track.id);
    if (!Number.isInteger(id) || id < 1) return;
    // The current track's place among the saved ones (the next saved one when it is not).
    if (at < index) current += 1;
    ids.push(id);
  });
  // At most the cap, in a window that keeps the current track.
  const start = Math.max(0, Math.min(current, ids.length - MAX_TRACKS));
  const kept = ids.slice(start, start + MAX_TRACKS);
  return {
    track_ids: kept,
    current_index: kept.length ? Math.min(current - start, kept.length - 1) : 0,
    position_ms: kept.length ? Math.max(0, Math.round((Number(seconds) || 0) * 1000)) : 0,
  };
}

function idsOf(queue) {
  return (Array.isArray(queue && queue.tracks) ? queue.tracks : []).map((track) => track.id);
}

function sameIds(a, b) {
  return a.length === b.length && a.every((id, at) => id === b[at]);
}

async function request(method, { body, version, keepalive = false, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRFToken"] = readCookie("csrftoken");
    headers["Content-Type"] = "application/json";
    headers["If-Match"] = version === null || version === undefined ? "*" : `"${version}"`;
  }
  const response = await fetch(URL, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
    keepalive,
    signal,
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export class QueueSync {
  /**
   * @param {{snapshot: () => {tracks: object[], index: number, seconds: number},
   *          onConflict: (queue: object) => void}} player
   */
  constructor({ snapshot, onConflict }) {
    this.snapshot = snapshot;
    this.onConflict = onConflict;
    this.version = null; // unknown until the first read: nothing is saved before it
    this.knownIds = null; // the track ids of that version
    this.loadFailed = false;
    this.loading = null;
    this.dirty = false;
    this.timer = null;
    this.saving = null;
  }

  /** The server's queue; its version becomes the one the next save replaces. */
  async load() {
    let data = null;
    try {
      data = await request("GET");
    } catch (error) {
      if (this.version === null) this.loadFailed = true;
      throw error;
    }
    this.loadFailed = false;
    this.version = data.version;
    this.knownIds = idsOf(data);
    return data;
  }

  /** The version this page knows, without reading; for the tab's own session state. */
  known() {
    return { version: this.version, dirty: this.dirty };
  }

  adopt(version, { dirty = false } = {}) {
    this.version = version;
    if (dirty) this.schedule(0);
  }

  /** Something changed (the queue, the current track, the position): save it soon. */
  schedule(delay = SAVE_DELAY_MS) {
    this.dirty = true;
    if (this.version === null) {
      // Saved once the server's queue is known; when the first read failed (offline), this
      // change reads it again, and is saved over it (it is newer than anything there).
      if (this.loadFailed && !this.loading) {
        this.loading = this.load()
          .then(() => this.schedule(0))
          .catch(() => {})
          .finally(() => {
            this.loading = null;
          });
      }
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), delay);
  }

  async flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty || this.version === null) return;
    if (this.saving) {
      // One save at a time: this one follows with the newest state.
      await this.saving.catch(() => {});
      return this.flush();
    }
    const { tracks, index, seconds } = this.snapshot();
    const body = queueBody(tracks, index, seconds);
    this.dirty = false;
    this.saving = request("PUT", { body, version: this.version });
    let retry = false;
    try {
      const data = await this.saving;
      this.version = data.version;
      this.knownIds = body.track_ids;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        retry = await this.takeNewer();
      } else if (!(error instanceof ApiError && error.status < 500)) {
        this.dirty = true; // offline or the server failed: the next change tries again
      }
    } finally {
      this.saving = null;
    }
    if (retry) await this.flush();
  }

  /** After a 412: answers whether to save again over the newer version. */
  async takeNewer() {
    const edited = this.knownIds;
    try {
      const data = await this.load();
      if (edited && sameIds(edited, this.knownIds)) {
        this.dirty = true; // the same tracks: this page's change still applies
        return true;
      }
      this.dirty = false;
      this.onConflict(data);
    } catch {
      // Offline: the next change reads and tries again.
      this.dirty = true;
    }
    return false;
  }

  /** The page is going away: send what is not saved yet (the browser finishes the request). */
  flushOnLeave() {
    if (!this.dirty || this.version === null) return;
    clearTimeout(this.timer);
    const { tracks, index, seconds } = this.snapshot();
    request("PUT", {
      body: queueBody(tracks, index, seconds),
      version: this.version,
      keepalive: true,
    }).catch(() => {});
  }

  destroy() {
    clearTimeout(this.timer);
  }
}
