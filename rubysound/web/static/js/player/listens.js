// Listen reporting: counts the seconds actually heard of the current play (seeks do not
// count) and, once they reach half the track or four minutes (the server's rule, see
// catalog/listens.py), reports the play once to POST /api/listens/. A failed report is
// retried a few times; the same (track, listened_at) is the same listen on the server, so a
// retry never counts twice. When a play starts, the server is told it is playing now
// (POST /api/listens/now-playing/), once a play.

import { apiFetch } from "../api.js";

const COUNT_AFTER_SECONDS = 240;
const MAX_TICK = 2; // a jump larger than this between two time updates is a seek
const RETRY_DELAY_MS = 15000;
const MAX_ATTEMPTS = 3;

export function requiredSeconds(duration) {
  if (!duration || !Number.isFinite(duration) || duration <= 0) return COUNT_AFTER_SECONDS;
  return Math.min(duration / 2, COUNT_AFTER_SECONDS);
}

export class ListenTracker {
  constructor(enabled) {
    this.enabled = enabled;
    this.start(null);
  }

  /** A new play of `track` begins (or nothing plays, for null). */
  start(track) {
    this.track = track;
    this.session = (this.session || 0) + 1;
    this.played = 0;
    this.last = null;
    this.startedAt = null;
    this.state = "counting"; // counting | sending | done
    this.attempts = 0;
    this.retryAt = 0;
  }

  playing(currentTime) {
    if (!this.startedAt) {
      this.startedAt = new Date();
      this.announce();
    }
    this.last = currentTime;
  }

  /** Tells the server this play started (the user's "now playing"); a failure is no matter. */
  announce() {
    if (!this.enabled || !this.track || !this.track.id) return;
    apiFetch("/api/listens/now-playing/", {
      method: "POST",
      body: { track_id: this.track.id },
    }).catch(() => {});
  }

  paused() {
    this.last = null;
  }

  seeked(currentTime) {
    this.last = currentTime;
  }

  time(currentTime, mediaDuration) {
    if (this.last !== null) {
      const delta = currentTime - this.last;
      if (delta > 0 && delta <= MAX_TICK) this.played += delta;
    }
    this.last = currentTime;
    this.maybeReport(mediaDuration);
  }

  maybeReport(mediaDuration) {
    if (!this.enabled || !this.track || !this.track.id || this.state !== "counting") return;
    if (this.attempts >= MAX_ATTEMPTS || Date.now() < this.retryAt) return;
    const duration = Number(this.track.duration) || mediaDuration;
    if (this.played < requiredSeconds(duration)) return;
    this.report();
  }

  async report() {
    const { track, session } = this;
    this.state = "sending";
    this.attempts += 1;
    try {
      await apiFetch("/api/listens/", {
        method: "POST",
        body: {
          track_id: track.id,
          listened_at: (this.startedAt || new Date()).toISOString(),
          played_seconds: Math.round(this.played * 1000) / 1000,
        },
      });
      if (this.session === session) this.state = "done";
    } catch (error) {
      if (this.session !== session) return;
      // 4xx other than a throttle will not get better by trying again.
      if (error && error.status && error.status < 500 && error.status !== 429) {
        this.state = "done";
        return;
      }
      this.state = "counting";
      this.retryAt = Date.now() + RETRY_DELAY_MS;
    }
  }
}
