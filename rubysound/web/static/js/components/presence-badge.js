// "Online" / "Last seen 5 minutes ago" next to a user's name, live over /ws/presence/.
//
// Only rendered for signed-in viewers of a public profile (the socket refuses anonymous
// ones, and private users are never shown online). The element stays hidden until the
// server has said something worth showing: a user never seen shows nothing.
//
// Protocol (rubysound/accounts/consumers.py): send {action: "watch_user", user_id}; the
// server answers {type: "presence_status", user_id, is_online, last_seen_iso} at once and
// again on every change.

import { LiveSocket } from "../live-socket.js";

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "5 minutes ago", "yesterday", "now" in the page's language. */
export function relativeTime(date, now = Date.now(), locale = undefined) {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return format.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

export function mount(badge) {
  const userId = Number(badge.dataset.userId);
  if (!Number.isInteger(userId) || userId < 1) return undefined;
  const label = badge.querySelector("[data-presence-text]");
  const locale = document.documentElement.lang || undefined;
  let lastSeen = null;
  let refreshTimer = null;

  function render(status) {
    clearInterval(refreshTimer);
    refreshTimer = null;
    badge.dataset.online = String(status.is_online);
    if (status.is_online) {
      lastSeen = null;
      label.textContent = badge.dataset.textOnline;
      badge.hidden = false;
      return;
    }
    lastSeen = status.last_seen_iso ? new Date(status.last_seen_iso) : null;
    if (lastSeen === null || Number.isNaN(lastSeen.getTime())) {
      badge.hidden = true;
      return;
    }
    const write = () => {
      label.textContent = badge.dataset.textLastSeen.replace(
        "%(time)s",
        relativeTime(lastSeen, Date.now(), locale),
      );
    };
    write();
    badge.hidden = false;
    // "just now" turns into "2 minutes ago" without a message from the server.
    refreshTimer = setInterval(write, 30_000);
  }

  const socket = new LiveSocket("/ws/presence/", {
    onOpen() {
      socket.send({ action: "watch_user", user_id: userId });
    },
    onMessage(message) {
      if (message.type === "presence_status" && message.user_id === userId) render(message);
    },
    onStatus(state) {
      badge.dataset.live = state;
      // A closed socket knows nothing any more: better no badge than a stale "Online".
      if (state === "closed") badge.hidden = true;
    },
  });
  socket.start();

  return () => {
    clearInterval(refreshTimer);
    socket.stop();
  };
}
