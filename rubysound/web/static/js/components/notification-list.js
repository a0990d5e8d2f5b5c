// The notifications list on /profile/: rendered by the server, then kept live. New
// notifications are prepended, withdrawn ones (an unlike) disappear, reads from other tabs
// clear the unread marks, and "Mark all read" marks everything through the API.
//
// Sentences come from the page's config (`notifications_text` on the server), with
// %(actor)s and %(playlist)s turned into links; user text only ever goes in as text.

import { ApiError, apiFetch } from "../api.js";
import { subscribe } from "../notification-feed.js";

const LIVE_TYPES = new Set(["playlist_like", "playlist_comment", "comment_reply", "comment_like"]);

/** A site path or http(s) URL safe for an href, else "". */
function safeUrl(value) {
  if (typeof value !== "string" || value === "") return "";
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
  } catch {
    return "";
  }
}

export function mount(root) {
  const config = JSON.parse(root.querySelector("#notifications-config").textContent);
  const text = config.text;
  const list = root.querySelector("[data-notification-list]");
  const emptyState = root.querySelector("[data-notifications-empty]");
  const markAllButton = root.querySelector("[data-mark-all-read]");
  const errorBox = root.querySelector("[data-notifications-error]");
  const template = root.querySelector("#notification-template");
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  const controller = new AbortController();
  let stopped = false;

  function playlistUrl(playlist, comment) {
    if (!playlist || !playlist.is_favorites) return "/playlists/";
    const base = `/u/${encodeURIComponent(playlist.owner_username)}/`;
    return comment ? `${base}#comment-${comment.id}` : base;
  }

  function sentenceParts(message) {
    const sentence = text.sentences[message.type] || text.fallback;
    const playlist = message.playlist;
    const values = {
      actor: {
        text: message.actor?.username || message.actor_username || text.someone,
        href: message.actor?.profile_url || "",
      },
      playlist: {
        text: playlist?.title || (playlist?.is_favorites ? text.favorites : text.aPlaylist),
        href: playlistUrl(playlist),
      },
    };
    const parts = [];
    let position = 0;
    for (const match of sentence.matchAll(/%\((actor|playlist)\)s/g)) {
      if (match.index > position) parts.push({ text: sentence.slice(position, match.index) });
      parts.push(values[match[1]]);
      position = match.index + match[0].length;
    }
    if (position < sentence.length) parts.push({ text: sentence.slice(position) });
    return parts;
  }

  function build(message) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.notificationId = String(message.id);
    item.dataset.type = message.type;
    const sentence = item.querySelector('[data-part="sentence"]');
    for (const part of sentenceParts(message)) {
      const href = safeUrl(part.href);
      if (href) {
        const link = document.createElement("a");
        link.href = href;
        link.textContent = part.text;
        sentence.append(link);
      } else {
        sentence.append(document.createTextNode(part.text));
      }
    }
    const excerpt = item.querySelector('[data-part="excerpt"]');
    const commentText = message.comment?.text || "";
    excerpt.hidden = commentText === "";
    excerpt.textContent = commentText;
    excerpt.href = safeUrl(playlistUrl(message.playlist, message.comment)) || "/profile/";
    const time = item.querySelector('[data-part="time"]');
    const created = new Date(message.created_at);
    if (!Number.isNaN(created.getTime())) {
      time.dateTime = message.created_at;
      time.textContent = timeFormat.format(created);
    }
    setUnread(item, !message.read_at);
    return item;
  }

  function setUnread(item, unread) {
    // The mark keeps its place (no jump) and is hidden from everyone once read (CSS).
    item.classList.toggle("is-unread", unread);
  }

  function items() {
    return [...list.querySelectorAll(":scope > [data-notification-id]")];
  }

  function update() {
    const all = items();
    emptyState.hidden = all.length > 0;
    markAllButton.hidden = !all.some((item) => item.classList.contains("is-unread"));
    root.dataset.count = String(all.length);
  }

  function prepend(message) {
    if (list.querySelector(`:scope > [data-notification-id="${Number(message.id)}"]`)) return;
    list.prepend(build(message));
    // The list shows the latest ones; older ones are still on the server.
    for (const extra of items().slice(config.pageSize)) extra.remove();
    update();
  }

  function remove(ids) {
    for (const id of ids || []) {
      list.querySelector(`:scope > [data-notification-id="${Number(id)}"]`)?.remove();
    }
    update();
  }

  function markRead(message) {
    const ids = message.all ? null : new Set((message.ids || []).map(Number));
    for (const item of items()) {
      if (ids === null || ids.has(Number(item.dataset.notificationId))) setUnread(item, false);
    }
    update();
  }

  function apply(message) {
    if (LIVE_TYPES.has(message.type) && Number.isInteger(message.id)) prepend(message);
    else if (message.type === "playlist_like_removed" || message.type === "comment_like_removed")
      remove(message.notification_ids);
    else if (message.type === "notifications_read") markRead(message);
  }

  // Messages that arrive while the list is being fetched are applied on the fresh list, so
  // the fetch (which may predate them) cannot wipe them out.
  let held = null;
  async function reload() {
    if (held !== null) return;
    held = [];
    try {
      const data = await apiFetch(`/api/notifications/?page_size=${config.pageSize}`, {
        signal: controller.signal,
      });
      if (stopped) return;
      list.replaceChildren(...data.results.map(build));
      update();
    } catch (error) {
      if (error?.name !== "AbortError") console.warn("notifications not refreshed", error);
    } finally {
      const messages = held;
      held = null;
      if (!stopped) messages.forEach(apply);
      root.dataset.loaded = "true";
    }
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = message === "";
  }

  async function markAllRead() {
    markAllButton.disabled = true;
    showError("");
    try {
      await apiFetch("/api/notifications/read/", {
        method: "POST",
        body: { all: true },
        signal: controller.signal,
      });
      // The socket says so too (and tells the other tabs); this page need not wait for it.
      // A list being fetched meanwhile may predate the read: mark it once it is in.
      const read = { type: "notifications_read", all: true };
      if (held !== null) held.push(read);
      else apply(read);
    } catch (error) {
      if (error?.name === "AbortError") return;
      showError(error instanceof ApiError && error.status === 401 ? text.signIn : text.failed);
    } finally {
      markAllButton.disabled = false;
    }
  }

  markAllButton.addEventListener("click", markAllRead);
  // The server renders the button disabled: a click before this point would be lost.
  markAllButton.disabled = false;
  update();

  const unsubscribe = subscribe({
    onMessage(message) {
      if (held !== null) held.push(message);
      else apply(message);
    },
    // Whatever happened before the stream ran (since the page was rendered, or while the
    // socket was down) came with no message: read the list again.
    onOpen: () => reload(),
    onStatus(state) {
      root.dataset.live = state;
    },
  });

  // Handlers are in place: the page may be used (tests wait for this too).
  root.dataset.ready = "true";

  return () => {
    stopped = true;
    controller.abort();
    unsubscribe();
  };
}
