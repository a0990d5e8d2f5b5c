// The persistent player bar (#player, outside #main: htmx navigation never replaces it, so
// the <audio> element, the queue and the position survive from page to page).
//
// Any `[data-play]` button on any page plays the track of its `[data-track]` row (JSON, see
// templates/web/_track_row.html) and makes the row's `[data-tracklist]` list the queue. A
// `[data-play="all"]` button plays the list its `aria-controls` names (or the list it sits
// in) from the top; `[data-play="shuffle"]` turns shuffle on and plays that list from a
// random track. The listeners are on `document` and registered once.
//
// Controls: play/pause, previous/next through the queue, a waveform slider (click, drag,
// arrow keys) that seeks (the <audio> streams with HTTP Range), volume and mute, shuffle and
// repeat (off / the whole list / this track; both kept in localStorage), the "Up next" panel
// (../player/queue-panel.js), keyboard shortcuts outside text fields (Space, ←/→ 5 s,
// Shift+←/→ previous/next, M), the Media Session API, and listen reporting for signed-in
// listeners (../player/listens.js).
//
// The queue keeps the list's order; `order` is the order of play (the list's own, or with
// shuffle on the current track first and the rest shuffled). next/previous, the end of a
// track and the panel all go through it. Editing the queue (the panel's drag, remove and
// clear; `playNext`, `addToQueue`) acts on what the panel shows: the queue becomes the order
// of play first.
//
// `[data-queue="next"]` and `[data-queue="add"]` buttons in a `[data-track]` row put that
// track after the current one or at the end; other scripts call the exported `playNext`
// and `addToQueue` with Track objects.
//
// Signed in, the queue lives on the server (../player/queue-sync.js): restored paused where
// it was on load, saved (debounced) on every change, so it continues after a reload and in
// another browser. Anonymous listeners keep it for the tab only (sessionStorage).

import { apiFetch } from "../api.js";
import { formatDuration } from "../display.js";
import { ListenTracker } from "../player/listens.js";
import { loadModes, nextRepeat, playOrder, saveModes } from "../player/modes.js";
import { QueuePanel } from "../player/queue-panel.js";
import { QueueSync } from "../player/queue-sync.js";
import { takeResume } from "../player/resume.js";
import { Waveform } from "../player/waveform.js";

// At most this many tracks in one request (social.services.playlists.MAX_TRACKS_PER_ADD).
const MAX_TRACKS_PER_ADD = 500;
const SEEK_STEP = 5; // seconds, arrows
const SEEK_PAGE = 30; // seconds, PageUp/PageDown on the waveform
const RESTART_AFTER = 3; // "previous" past this restarts the track instead
const ANNOUNCE_PROGRESS_MS = 10000; // the slider's value text, at most this often while playing
const VOLUME_KEY = "rubysound-volume";
// The queue and position, kept for this tab: a full page load shows the bar again where it
// was, paused, or playing on after a language switch or a sign-out (../player/resume.js).
// htmx navigation never needs it.
const SESSION_KEY = "rubysound-player";
const MAX_SAVED_QUEUE = 200;
const PLAYABLE_ROW = "[data-track]";
// The position is saved this often while playing (and at every pause and track change).
const SAVE_POSITION_EVERY_MS = 15000;

let mounted = false;
let activePlayer = null;

/** Puts `tracks` (Track objects) right after the current one; plays them when nothing is. */
export function playNext(tracks) {
  if (!activePlayer) return false;
  return activePlayer.insertNext(playableTracks(tracks));
}

/** Puts `tracks` (Track objects) at the end of the queue. */
export function addToQueue(tracks) {
  if (!activePlayer) return false;
  return activePlayer.append(playableTracks(tracks));
}

function playableTracks(tracks) {
  const list = Array.isArray(tracks) ? tracks : [tracks];
  return list.filter((track) => track && typeof track === "object" && track.url);
}

/** Our own absolute URLs as paths, as the pages' rows give them. */
function sitePath(url) {
  if (typeof url !== "string" || !url) return "";
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.origin === window.location.origin ? parsed.pathname + parsed.search : url;
  } catch {
    return url;
  }
}

function identity(length) {
  return Array.from({ length }, (_, i) => i);
}

export function mount(section) {
  if (mounted) return undefined;
  const bar = section.querySelector(".player-bar");
  if (!bar) return undefined;
  mounted = true;
  const player = new Player(section, bar);
  activePlayer = player;
  section.dataset.ready = "true"; // tests (and styles) can tell the player is listening
  return () => {
    player.destroy();
    delete section.dataset.ready;
    mounted = false;
    activePlayer = null;
  };
}

/** The player's clock: the app's one duration formatter (display.js), "0:00" when unknown. */
export function formatTime(seconds) {
  return formatDuration(seconds) || "0:00";
}

function interpolate(template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
}

function readTrack(row) {
  try {
    const track = JSON.parse(row.dataset.track || "null");
    return track && typeof track === "object" ? track : null;
  } catch {
    return null;
  }
}

function isPlayableRow(row) {
  const button = row.querySelector("[data-play]");
  return !(button && button.disabled);
}

const NON_TEXT_INPUTS = new Set([
  "button", "checkbox", "radio", "range", "submit", "reset", "color", "file", "image",
]);

function isTextField(element) {
  if (!(element instanceof Element)) return false;
  if (element.isContentEditable) return true;
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return true;
  if (element instanceof HTMLInputElement) return !NON_TEXT_INPUTS.has(element.type);
  return element.matches('[role="textbox"], [role="combobox"], [role="searchbox"]');
}

// Space activates these by itself: the shortcut would toggle twice.
function ownsSpace(element) {
  return (
    element instanceof Element &&
    element.matches(
      'button, a[href], summary, input, select, [role="button"], [role="checkbox"], ' +
        '[role="switch"], [role="menuitem"], [role="option"], [role="tab"], [role="radio"]',
    )
  );
}

// Arrows move these by themselves.
function ownsArrows(element) {
  return (
    element instanceof Element &&
    element.matches(
      'input, select, [role="slider"]:not([data-wave]), [role="listbox"], [role="option"], ' +
        '[role="menu"], [role="menuitem"], [role="tablist"], [role="tab"], ' +
        '[role="radiogroup"], [role="radio"], [role="grid"], [role="tree"]',
    )
  );
}

class Player {
  constructor(section, bar) {
    this.section = section;
    this.bar = bar;
    this.audio = bar.querySelector("[data-audio]");
    this.wave = bar.querySelector("[data-wave]");
    this.toggleButton = bar.querySelector('[data-action="toggle"]');
    this.previousButton = bar.querySelector('[data-action="previous"]');
    this.nextButton = bar.querySelector('[data-action="next"]');
    this.muteButton = bar.querySelector('[data-action="mute"]');
    this.shuffleButton = bar.querySelector('[data-action="shuffle"]');
    this.repeatButton = bar.querySelector('[data-action="repeat"]');
    this.repeatMode = bar.querySelector("[data-repeat-mode]");
    this.volume = bar.querySelector("[data-volume]");
    this.titleEl = bar.querySelector("[data-title]");
    this.artistEl = bar.querySelector("[data-artist]");
    this.cover = bar.querySelector("[data-cover]");
    this.currentEl = bar.querySelector("[data-current]");
    this.durationEl = bar.querySelector("[data-duration]");
    this.messageEl = bar.querySelector("[data-message]");
    this.announcer = bar.querySelector("[data-announce]");
    this.text = bar.dataset;

    this.queue = [];
    this.order = []; // queue indexes in the order they play
    this.index = -1;
    this.modes = loadModes(); // {shuffle: bool, repeat: "off" | "all" | "one"}
    this.track = null;
    this.waveformRequest = null;
    this.dragFraction = null;
    this.lastAnnounce = 0;
    this.restoring = 0; // a position to seek to once the restored track's metadata is known
    this.signedIn = bar.dataset.signedIn === "true";
    this.listens = new ListenTracker(this.signedIn);
    this.waveform = new Waveform(this.wave, bar.querySelector("[data-canvas]"));
    this.panel = new QueuePanel(bar, {
      onChoose: (index) => this.jumpTo(index),
      onMove: (from, to) => this.moveInQueue(from, to),
      onRemove: (position) => this.removeFromQueue(position),
      onClear: () => this.clearQueue(),
      onSaveAsPlaylist: (title) => this.saveAsPlaylist(title),
    });
    this.lastPositionSave = 0;
    this.sync = this.signedIn
      ? new QueueSync({
          snapshot: () => this.snapshot(),
          onConflict: (queue) => this.takeServerQueue(queue, { changedElsewhere: true }),
        })
      : null;

    this.restoreVolume();
    this.renderModes();
    this.listen();
    this.setupMediaSession();
    const session = this.restoreSession();
    if (this.sync) this.restoreFromServer(session);
  }

  // --- Wiring -----------------------------------------------------------------------------

  on(target, type, handler, options) {
    target.addEventListener(type, handler, options);
    this.removers.push(() => target.removeEventListener(type, handler, options));
  }

  listen() {
    this.removers = [];
    const { audio } = this;
    this.on(document, "click", (event) => this.onDocumentClick(event));
    this.on(document, "click", (event) => this.onQueueButtonClick(event));
    this.on(document, "keydown", (event) => this.onKeydown(event));
    // New page content: mark the rows of the current track.
    this.on(document, "htmx:afterSettle", () => this.syncRows());

    this.on(this.toggleButton, "click", () => this.toggle());
    this.on(this.previousButton, "click", () => this.previous());
    this.on(this.nextButton, "click", () => this.next());
    this.on(this.muteButton, "click", () => this.toggleMute());
    this.on(this.shuffleButton, "click", () => this.toggleShuffle());
    this.on(this.repeatButton, "click", () => this.cycleRepeat());
    this.on(this.volume, "input", () => this.setVolume(Number(this.volume.value) / 100));

    this.on(this.wave, "pointerdown", (event) => this.onPointerDown(event));
    this.on(this.wave, "pointermove", (event) => this.onPointerMove(event));
    this.on(this.wave, "pointerup", (event) => this.onPointerUp(event));
    this.on(this.wave, "pointercancel", () => this.cancelDrag());
    this.on(this.wave, "keydown", (event) => this.onWaveKeydown(event));

    this.on(audio, "play", () => this.renderPlaying());
    this.on(audio, "playing", () => {
      this.listens.playing(audio.currentTime);
      this.renderPlaying();
    });
    this.on(audio, "pause", () => {
      this.listens.paused();
      this.renderPlaying();
      if (!audio.ended) this.positionChanged();
    });
    this.on(audio, "timeupdate", () => {
      if (!audio.paused && !audio.seeking) this.listens.time(audio.currentTime, this.duration());
      this.renderTime();
      if (!audio.paused && Date.now() - this.lastPositionSave > SAVE_POSITION_EVERY_MS) {
        this.positionChanged();
      }
    });
    this.on(audio, "seeked", () => {
      this.listens.seeked(audio.currentTime);
      this.renderTime({ announce: true });
      this.updatePositionState();
    });
    this.on(audio, "loadedmetadata", () => {
      if (this.restoring) {
        const at = Math.min(this.restoring, Math.max(0, this.duration() - 0.05));
        this.restoring = 0;
        audio.currentTime = at;
      }
      this.renderTime({ announce: true });
      this.updatePositionState();
    });
    this.on(audio, "durationchange", () => this.renderTime());
    this.on(audio, "volumechange", () => this.renderVolume());
    this.on(audio, "ended", () => this.onEnded());
    this.on(audio, "error", () => this.onError());
    this.on(window, "pagehide", () => this.saveSession());
    // Back to this tab: show what another device made of the queue meanwhile.
    this.on(document, "visibilitychange", () => {
      if (document.visibilityState === "visible") this.refreshFromServer();
    });
  }

  // --- Session (full page loads) -------------------------------------------------------------

  saveSession() {
    if (this.sync) this.sync.flushOnLeave();
    if (!this.track) return;
    const start = Math.max(0, Math.min(this.index, this.queue.length - MAX_SAVED_QUEUE));
    const state = {
      queue: this.queue.slice(start, start + MAX_SAVED_QUEUE),
      index: this.index - start,
      time: this.audio.currentTime || 0,
      playing: !this.audio.paused,
      // The server's version this tab last knew, and whether it had changes not yet saved.
      ...(this.sync ? { server: this.sync.known() } : {}),
    };
    try {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(state));
    } catch {
      // Storage blocked or full: the next full page load starts with an empty bar.
    }
  }

  restoreSession() {
    // Paused where it was, unless the page that left asked to go on (player/resume.js).
    const resume = takeResume();
    let state = null;
    try {
      state = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      sessionStorage.removeItem(SESSION_KEY);
    } catch {
      state = null;
    }
    if (!state || !Array.isArray(state.queue) || !state.queue[state.index]) return null;
    const queue = state.queue.filter((track) => track && typeof track.url === "string");
    if (queue.length !== state.queue.length) return null;
    this.queue = queue;
    this.order = playOrder(queue.length, state.index, this.modes.shuffle);
    this.restoring = Number(state.time) || 0;
    this.load(state.index, { autoplay: resume && state.playing === true, quiet: true, save: false });
    return state;
  }

  // --- The queue on the server (signed in) ----------------------------------------------------

  snapshot() {
    const tracks = this.order.map((index) => this.queue[index]);
    return {
      tracks,
      index: Math.max(0, this.order.indexOf(this.index)),
      seconds: this.track ? this.audio.currentTime || 0 : 0,
    };
  }

  /** On load: this tab's own state when the server still has the version it knew (or the
   * tab played before signing in), else the server's (another device, or this tab's last
   * save, changed it since). */
  async restoreFromServer(session) {
    let queue = null;
    try {
      queue = await this.sync.load();
    } catch {
      return; // Offline or signed out meanwhile: the tab's own state stays.
    }
    const known = session && session.server;
    if (session && !known) {
      // This tab was playing before its listener signed in: that queue goes on, and is kept.
      this.sync.schedule(0);
      return;
    }
    if (known && known.version === queue.version) {
      if (known.dirty) this.sync.schedule(0);
      return;
    }
    if (this.track && !this.audio.paused) {
      // A track was started while the queue was being read: that is the newest queue.
      this.sync.schedule(0);
      return;
    }
    this.takeServerQueue(queue);
  }

  async refreshFromServer() {
    if (!this.sync || this.sync.dirty || this.sync.version === null) return;
    if (this.track && !this.audio.paused) return;
    const known = this.sync.version;
    let queue = null;
    try {
      queue = await this.sync.load();
    } catch {
      return;
    }
    if (this.sync.dirty || (this.track && !this.audio.paused)) return;
    if (queue.version !== known) this.takeServerQueue(queue);
  }

  /** Shows the server's queue: paused at its position, or, when the track playing here is
   * in it, around that track without stopping it. */
  takeServerQueue(queue, { changedElsewhere = false } = {}) {
    const all = Array.isArray(queue.tracks) ? queue.tracks : [];
    const current = Number(queue.current_index) || 0;
    const tracks = [];
    let before = 0; // playable tracks before the current one
    all.forEach((track, at) => {
      if (!track || !track.url) return;
      if (at < current) before += 1;
      tracks.push({ ...track, url: sitePath(track.url), image_url: sitePath(track.image_url) });
    });
    const index = Math.min(before, tracks.length - 1);
    if (changedElsewhere) {
      this.panel.setStatus(this.text.textQueueChanged);
      this.announce(this.text.textQueueChanged);
    }
    if (!tracks.length) {
      this.reset();
      return;
    }
    const playing = this.track && !this.audio.paused;
    if (playing) {
      const same = tracks.findIndex((track) => track.id === this.track.id);
      if (same >= 0) {
        this.queue = tracks;
        this.order = identity(tracks.length);
        this.index = same;
        this.track = tracks[same];
        this.renderQueueButtons();
        this.renderQueue();
        return;
      }
    }
    this.queue = tracks;
    this.order = identity(tracks.length);
    this.restoring = (Number(queue.position_ms) || 0) / 1000;
    this.audio.pause();
    this.load(index, { autoplay: false, quiet: true, save: false });
  }

  /** Something the server keeps changed: save it soon (signed in). */
  queueChanged() {
    if (!this.sync) return;
    this.lastPositionSave = Date.now();
    this.sync.schedule();
  }

  positionChanged() {
    if (this.track) this.queueChanged();
  }

  // --- Editing the queue ------------------------------------------------------------------

  /** The queue in the order of play (what the panel shows), so that edits act on that. */
  normalize() {
    if (this.order.every((index, at) => index === at) && this.order.length === this.queue.length) {
      return;
    }
    const position = this.order.indexOf(this.index);
    this.queue = this.order.map((index) => this.queue[index]);
    this.order = identity(this.queue.length);
    this.index = position;
  }

  afterEdit() {
    this.order = identity(this.queue.length);
    this.renderQueueButtons();
    this.renderQueue();
    this.queueChanged();
  }

  moveInQueue(from, to) {
    this.normalize();
    if (!this.queue[from] || to < 0 || to >= this.queue.length || from === to) return false;
    const [track] = this.queue.splice(from, 1);
    this.queue.splice(to, 0, track);
    if (this.index === from) this.index = to;
    else if (from < this.index && to >= this.index) this.index -= 1;
    else if (from > this.index && to <= this.index) this.index += 1;
    this.afterEdit();
    return true;
  }

  removeFromQueue(position) {
    this.normalize();
    if (!this.queue[position]) return;
    if (this.queue.length === 1) {
      this.reset();
      this.queueChanged();
      return;
    }
    this.queue.splice(position, 1);
    this.order = identity(this.queue.length);
    if (position === this.index) {
      // The playing track went: the next one takes its place, playing if it was.
      const playing = !this.audio.paused;
      this.load(Math.min(position, this.queue.length - 1), { autoplay: playing, quiet: true });
      return;
    }
    if (position < this.index) this.index -= 1;
    this.afterEdit();
  }

  /** Empties "Up next": every track but the one playing. */
  clearQueue() {
    if (!this.track) return;
    this.queue = [this.track];
    this.index = 0;
    this.afterEdit();
  }

  insertNext(tracks) {
    if (!tracks.length) return false;
    if (!this.track) {
      this.playQueue(tracks, 0);
      return true;
    }
    this.normalize();
    this.queue.splice(this.index + 1, 0, ...tracks);
    this.afterEdit();
    this.announceAdded(tracks, this.text.textAddedNext);
    return true;
  }

  append(tracks) {
    if (!tracks.length) return false;
    if (!this.track) {
      this.queue = [...tracks];
      this.order = identity(this.queue.length);
      this.load(0, { autoplay: false });
      this.announceAdded(tracks, this.text.textAdded);
      return true;
    }
    this.normalize();
    this.queue.push(...tracks);
    this.afterEdit();
    this.announceAdded(tracks, this.text.textAdded);
    return true;
  }

  announceAdded(tracks, single) {
    if (tracks.length === 1) {
      this.announce(interpolate(single, { title: tracks[0].name || "" }));
    } else {
      this.announce(interpolate(this.text.textAddedMany, { count: String(tracks.length) }));
    }
  }

  /** Nothing loaded: the bar hides, as before the first track. */
  reset() {
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    this.queue = [];
    this.order = [];
    this.index = -1;
    this.track = null;
    this.restoring = 0;
    this.renderQueue();
    this.renderQueueButtons();
    this.panel.close({ focus: false });
    this.section.hidden = true;
    document.body.classList.remove("player-open");
    this.syncRows();
  }

  /** A new playlist with the queue's catalog tracks, each once, in the order they play. */
  async saveAsPlaylist(title) {
    const seen = new Set();
    const ids = [];
    for (const index of this.order) {
      const id = Number(this.queue[index] && this.queue[index].id);
      if (Number.isInteger(id) && id > 0 && !seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
    if (!ids.length) return null;
    // One request for a queue of up to MAX_TRACKS_PER_ADD tracks; a longer one appends the
    // rest in as few more (each batch goes at the end, so the order is the queue's).
    const batches = [];
    for (let start = 0; start < ids.length; start += MAX_TRACKS_PER_ADD) {
      batches.push(ids.slice(start, start + MAX_TRACKS_PER_ADD));
    }
    const playlist = await apiFetch("/api/playlists/", {
      method: "POST",
      body: { title, track_ids: batches[0] },
    });
    for (const batch of batches.slice(1)) {
      await apiFetch(`/api/playlists/${encodeURIComponent(playlist.id)}/tracks/`, {
        method: "POST",
        body: { track_ids: batch },
      });
    }
    return playlist;
  }

  destroy() {
    this.removers.forEach((remove) => remove());
    if (this.sync) this.sync.destroy();
    this.panel.destroy();
    this.waveform.destroy();
    if (this.waveformRequest) this.waveformRequest.abort();
    this.audio.pause();
  }

  // --- Starting tracks ----------------------------------------------------------------------

  onDocumentClick(event) {
    if (!(event.target instanceof Element)) return;
    const button = event.target.closest("[data-play]");
    if (!button || button.disabled || this.section.contains(button)) return;
    event.preventDefault();
    if (button.dataset.play === "all" || button.dataset.play === "shuffle") {
      const listId = button.getAttribute("aria-controls");
      const list =
        (listId && document.getElementById(listId)) || button.closest("[data-tracklist]");
      if (!list) return;
      if (button.dataset.play === "shuffle") {
        if (!this.modes.shuffle) this.toggleShuffle();
        this.playList(list, null, { randomStart: true });
      } else {
        this.playList(list, null);
      }
      return;
    }
    const row = button.closest(PLAYABLE_ROW);
    if (!row) return;
    const list = row.closest("[data-tracklist]");
    if (list) {
      this.playList(list, row);
    } else {
      const track = readTrack(row);
      if (track && track.url) this.playQueue([track], 0);
    }
  }

  /** `[data-queue="next"]` / `[data-queue="add"]` in a track row: that track, next or last. */
  onQueueButtonClick(event) {
    // A menu that handled the click itself (and called playNext/addToQueue) says so.
    if (event.defaultPrevented || !(event.target instanceof Element)) return;
    const button = event.target.closest('[data-queue="next"], [data-queue="add"]');
    if (!button || button.disabled || this.section.contains(button)) return;
    const row = button.closest(PLAYABLE_ROW);
    const track = row && readTrack(row);
    if (!track || !track.url) return;
    event.preventDefault();
    if (button.dataset.queue === "next") this.insertNext([track]);
    else this.append([track]);
  }

  playList(list, clickedRow, { randomStart = false } = {}) {
    const tracks = [];
    let index = 0;
    list.querySelectorAll(PLAYABLE_ROW).forEach((row) => {
      if (row.closest("[data-tracklist]") !== list || !isPlayableRow(row)) return;
      const track = readTrack(row);
      if (!track || !track.url) return;
      if (row === clickedRow) index = tracks.length;
      tracks.push(track);
    });
    if (!tracks.length) return;
    if (randomStart) index = Math.floor(Math.random() * tracks.length);
    this.playQueue(tracks, index);
  }

  playQueue(tracks, index) {
    const track = tracks[index];
    const same = this.track && track && this.track.id === track.id && this.track.url === track.url;
    this.queue = tracks;
    this.index = index;
    this.order = playOrder(tracks.length, index, this.modes.shuffle);
    if (same) {
      // The current track's own button: play/pause, the new list becomes the queue.
      this.track = track;
      this.toggle();
      this.renderQueueButtons();
      this.renderQueue();
      this.queueChanged();
      return;
    }
    this.load(index);
  }

  load(index, { autoplay = true, quiet = false, save = true } = {}) {
    const track = this.queue[index];
    if (!track) return;
    this.index = index;
    this.track = track;
    this.listens.start(track);
    if (!quiet) this.restoring = 0;
    this.hideMessage();
    this.section.hidden = false;
    document.body.classList.add("player-open");
    this.audio.src = track.url;
    this.renderTrack();
    this.renderQueueButtons();
    this.renderQueue();
    this.renderTime({ announce: true });
    this.loadWaveform(track);
    this.updateMetadata();
    if (!quiet) {
      this.announce(
        interpolate(this.text.textNowPlaying, {
          title: track.name || "",
          artist: track.artist || "",
        }),
      );
    }
    if (autoplay) this.play();
    this.renderPlaying();
    this.syncRows();
    if (save) this.queueChanged();
  }

  play() {
    if (!this.track) return;
    const attempt = this.audio.play();
    if (attempt && typeof attempt.catch === "function") {
      attempt.catch((error) => {
        // AbortError: another track was chosen before this one started. NotAllowedError:
        // the browser wants a click first; the play button is there for it.
        if (error && error.name !== "AbortError" && error.name !== "NotAllowedError") {
          this.onError();
        }
        this.renderPlaying();
      });
    }
  }

  toggle() {
    if (!this.track) return;
    if (this.audio.paused) {
      if (this.audio.ended) this.audio.currentTime = 0;
      this.play();
    } else {
      this.audio.pause();
      this.announce(this.text.textPaused);
    }
  }

  // --- Order of play ---------------------------------------------------------------------

  /** The queue index after (step 1) or before (step -1) the current one; -1 when none. */
  neighbour(step) {
    const at = this.order.indexOf(this.index);
    if (at < 0) return -1;
    const target = at + step;
    if (target >= 0 && target < this.order.length) return this.order[target];
    // Past either end: round again while repeat is on (with "one", only the end of a
    // track repeats it; next and previous still move through the list, endlessly).
    if (this.modes.repeat !== "off" && this.order.length > 1) {
      return this.order[(target + this.order.length) % this.order.length];
    }
    return -1;
  }

  previous() {
    if (!this.track) return;
    const before = this.neighbour(-1);
    if (this.audio.currentTime > RESTART_AFTER || before < 0) {
      this.seek(0);
      if (this.audio.paused) this.play();
      return;
    }
    this.load(before);
  }

  next() {
    if (!this.track) return;
    const after = this.neighbour(1);
    if (after >= 0) this.load(after);
  }

  jumpTo(index) {
    if (!this.queue[index]) return;
    if (index === this.index) {
      if (this.audio.paused) this.toggle();
      return;
    }
    this.load(index);
  }

  onEnded() {
    if (this.modes.repeat === "one" || (this.modes.repeat === "all" && this.queue.length === 1)) {
      // The same track again: a new listen, reported on its own.
      this.listens.start(this.track);
      this.audio.currentTime = 0;
      this.play();
      return;
    }
    const after = this.neighbour(1);
    if (after >= 0) {
      this.load(after);
    } else {
      this.renderPlaying();
      this.announce(this.text.textEnd);
    }
  }

  toggleShuffle() {
    this.modes = { ...this.modes, shuffle: !this.modes.shuffle };
    saveModes(this.modes);
    if (this.queue.length) this.order = playOrder(this.queue.length, this.index, this.modes.shuffle);
    this.renderModes();
    this.renderQueueButtons();
    this.renderQueue();
    this.announce(this.modes.shuffle ? this.text.textShuffleOn : this.text.textShuffleOff);
  }

  cycleRepeat() {
    this.modes = { ...this.modes, repeat: nextRepeat(this.modes.repeat) };
    saveModes(this.modes);
    this.renderModes();
    this.renderQueueButtons();
    this.announce(this.repeatText());
  }

  repeatText() {
    const { repeat } = this.modes;
    if (repeat === "all") return this.text.textRepeatAll;
    if (repeat === "one") return this.text.textRepeatOne;
    return this.text.textRepeatOff;
  }

  onError() {
    if (!this.track || !this.audio.getAttribute("src")) return;
    this.restoring = 0;
    this.messageEl.textContent = this.text.textError;
    this.messageEl.hidden = false;
    this.renderPlaying();
  }

  hideMessage() {
    this.messageEl.hidden = true;
    this.messageEl.textContent = "";
  }

  // --- Seeking --------------------------------------------------------------------------------

  duration() {
    const media = this.audio.duration;
    if (Number.isFinite(media) && media > 0) return media;
    const known = this.track && Number(this.track.duration);
    return known > 0 ? known : 0;
  }

  seek(seconds) {
    const duration = this.duration();
    if (!this.track || !duration) return;
    const target = Math.min(Math.max(0, seconds), Math.max(0, duration - 0.05));
    this.audio.currentTime = target;
    this.renderTime({ announce: true, at: target });
  }

  seekBy(delta) {
    this.seek(this.audio.currentTime + delta);
  }

  fractionAt(event) {
    const box = this.wave.getBoundingClientRect();
    if (!box.width) return 0;
    return Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  }

  onPointerDown(event) {
    if (!this.track || !this.duration() || event.button !== 0) return;
    event.preventDefault();
    this.wave.focus({ preventScroll: true });
    this.wave.setPointerCapture(event.pointerId);
    this.dragFraction = this.fractionAt(event);
    this.waveform.setProgress(this.dragFraction);
  }

  onPointerMove(event) {
    if (this.dragFraction === null) return;
    this.dragFraction = this.fractionAt(event);
    this.waveform.setProgress(this.dragFraction);
    this.currentEl.textContent = formatTime(this.dragFraction * this.duration());
  }

  onPointerUp(event) {
    if (this.dragFraction === null) return;
    const fraction = this.fractionAt(event);
    this.dragFraction = null;
    if (this.wave.hasPointerCapture(event.pointerId)) {
      this.wave.releasePointerCapture(event.pointerId);
    }
    this.seek(fraction * this.duration());
  }

  cancelDrag() {
    this.dragFraction = null;
    this.renderTime();
  }

  onWaveKeydown(event) {
    if (!this.track || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    const moves = {
      ArrowLeft: -SEEK_STEP,
      ArrowDown: -SEEK_STEP,
      ArrowRight: SEEK_STEP,
      ArrowUp: SEEK_STEP,
      PageDown: -SEEK_PAGE,
      PageUp: SEEK_PAGE,
    };
    if (event.key in moves) {
      this.seekBy(moves[event.key]);
    } else if (event.key === "Home") {
      this.seek(0);
    } else if (event.key === "End") {
      this.seek(this.duration());
    } else {
      return;
    }
    event.preventDefault();
  }

  // --- Keyboard shortcuts ---------------------------------------------------------------------

  onKeydown(event) {
    if (!this.track || event.defaultPrevented) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (isTextField(target)) return;
    switch (event.key) {
      case " ":
      case "Spacebar":
        if (event.shiftKey || ownsSpace(target)) return;
        this.toggle();
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (ownsArrows(target)) return;
        if (event.shiftKey) {
          if (event.key === "ArrowLeft") this.previous();
          else this.next();
        } else {
          this.seekBy(event.key === "ArrowLeft" ? -SEEK_STEP : SEEK_STEP);
        }
        break;
      case "m":
      case "M":
        this.toggleMute();
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  // --- Volume -----------------------------------------------------------------------------------

  restoreVolume() {
    let saved = null;
    try {
      saved = localStorage.getItem(VOLUME_KEY);
    } catch {
      saved = null;
    }
    const volume = saved === null ? NaN : Number(saved);
    if (Number.isFinite(volume) && volume >= 0 && volume <= 1) this.audio.volume = volume;
    this.renderVolume();
  }

  setVolume(volume) {
    this.audio.volume = Math.min(1, Math.max(0, volume));
    if (volume > 0 && this.audio.muted) this.audio.muted = false;
    try {
      localStorage.setItem(VOLUME_KEY, String(this.audio.volume));
    } catch {
      // Storage blocked: the volume lasts for this page.
    }
  }

  toggleMute() {
    if (!this.track) return;
    this.audio.muted = !this.audio.muted;
  }

  renderVolume() {
    const muted = this.audio.muted || this.audio.volume === 0;
    this.muteButton.setAttribute("aria-pressed", String(muted));
    this.bar.classList.toggle("is-muted", muted);
    const percent = Math.round(this.audio.volume * 100);
    if (Number(this.volume.value) !== percent) this.volume.value = String(percent);
  }

  // --- Rendering --------------------------------------------------------------------------------

  renderTrack() {
    const { track } = this;
    this.titleEl.textContent = track.name || "";
    this.artistEl.textContent = track.artist || "";
    if (track.image_url) {
      this.cover.src = track.image_url;
      this.cover.hidden = false;
    } else {
      this.cover.removeAttribute("src");
      this.cover.hidden = true;
    }
  }

  renderModes() {
    this.shuffleButton.setAttribute("aria-pressed", String(this.modes.shuffle));
    this.repeatButton.setAttribute("aria-pressed", String(this.modes.repeat !== "off"));
    this.repeatButton.dataset.mode = this.modes.repeat;
    this.repeatMode.textContent = this.repeatText();
  }

  renderQueue() {
    this.panel.render(this.queue, this.order, this.index);
  }

  renderQueueButtons() {
    const hasNext = this.neighbour(1) >= 0;
    // aria-disabled, not disabled: a focused button that becomes disabled drops the focus.
    this.nextButton.setAttribute("aria-disabled", String(!hasNext));
  }

  renderPlaying() {
    const playing = !this.audio.paused && !this.audio.ended;
    this.bar.classList.toggle("is-playing", playing);
    this.toggleButton.setAttribute(
      "aria-label",
      playing ? this.text.labelPause : this.text.labelPlay,
    );
    if ("mediaSession" in navigator) {
      navigator.mediaSession.playbackState = playing ? "playing" : "paused";
    }
    this.syncRows();
  }

  renderTime({ announce = false, at = null } = {}) {
    if (this.dragFraction !== null) return;
    const duration = this.duration();
    const current = at ?? this.audio.currentTime ?? 0;
    this.currentEl.textContent = formatTime(current);
    this.durationEl.textContent = formatTime(duration);
    this.waveform.setProgress(duration ? current / duration : 0);
    // The slider's value text: screen readers read it when it changes while focused, so
    // during playback it changes at most every few seconds; seeks update it at once.
    const now = Date.now();
    if (!announce && now - this.lastAnnounce < ANNOUNCE_PROGRESS_MS) return;
    this.lastAnnounce = now;
    this.wave.setAttribute("aria-valuemax", String(Math.round(duration)));
    this.wave.setAttribute("aria-valuenow", String(Math.round(current)));
    this.wave.setAttribute(
      "aria-valuetext",
      interpolate(this.text.textPosition, {
        current: formatTime(current),
        total: formatTime(duration),
      }),
    );
  }

  syncRows() {
    const id = this.track ? String(this.track.id) : null;
    const playing = !this.audio.paused && !this.audio.ended;
    document.querySelectorAll("[data-track-id]").forEach((row) => {
      const current = id !== null && row.dataset.trackId === id;
      row.classList.toggle("is-current", current);
      row.classList.toggle("is-playing", current && playing);
      const button = row.querySelector("[data-play]");
      if (button && !button.disabled) button.setAttribute("aria-pressed", String(current && playing));
    });
  }

  announce(message) {
    if (!message) return;
    this.announcer.textContent = "";
    // A fresh text node after a tick, so the same words are announced again.
    setTimeout(() => {
      this.announcer.textContent = message;
    }, 50);
  }

  // --- Waveform ---------------------------------------------------------------------------------

  async loadWaveform(track) {
    if (this.waveformRequest) this.waveformRequest.abort();
    this.waveform.setPeaks(null);
    if (!track.id || !isLibraryTrack(track)) return;
    const request = new AbortController();
    this.waveformRequest = request;
    try {
      const data = await apiFetch(`/api/tracks/${encodeURIComponent(track.id)}/waveform`, {
        signal: request.signal,
      });
      if (this.track === track && data && Array.isArray(data.peaks)) {
        this.waveform.setPeaks(data.peaks);
      }
    } catch {
      // No peaks yet (or offline): the plain progress line stays.
    } finally {
      if (this.waveformRequest === request) this.waveformRequest = null;
    }
  }

  // --- Media Session ----------------------------------------------------------------------------

  setupMediaSession() {
    if (!("mediaSession" in navigator)) return;
    const handlers = {
      play: () => this.play(),
      pause: () => this.audio.pause(),
      stop: () => this.audio.pause(),
      previoustrack: () => this.previous(),
      nexttrack: () => this.next(),
      seekbackward: (details) => this.seekBy(-(details.seekOffset || SEEK_STEP)),
      seekforward: (details) => this.seekBy(details.seekOffset || SEEK_STEP),
      seekto: (details) => {
        if (Number.isFinite(details.seekTime)) this.seek(details.seekTime);
      },
    };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        navigator.mediaSession.setActionHandler(action, handler);
      } catch {
        // This browser does not know the action.
      }
    }
    this.removers.push(() => {
      for (const action of Object.keys(handlers)) {
        try {
          navigator.mediaSession.setActionHandler(action, null);
        } catch {
          // Not supported.
        }
      }
    });
  }

  updateMetadata() {
    if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
    const { track } = this;
    const artwork = track.image_url
      ? [{ src: new URL(track.image_url, document.baseURI).href, sizes: "300x300" }]
      : [];
    navigator.mediaSession.metadata = new MediaMetadata({
      title: track.name || "",
      artist: track.artist || "",
      album: track.album || "",
      artwork,
    });
  }

  updatePositionState() {
    if (!("mediaSession" in navigator) || !navigator.mediaSession.setPositionState) return;
    const duration = this.duration();
    if (!duration) return;
    try {
      navigator.mediaSession.setPositionState({
        duration,
        playbackRate: this.audio.playbackRate || 1,
        position: Math.min(this.audio.currentTime, duration),
      });
    } catch {
      // An inconsistent state (position past a changed duration): skip this update.
    }
  }
}

function isLibraryTrack(track) {
  if (track.source) return track.source === "library";
  try {
    return /^\/api\/tracks\/\d+\/stream$/.test(new URL(track.url, document.baseURI).pathname);
  } catch {
    return false;
  }
}
