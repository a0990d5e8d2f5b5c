// The notifications list on /profile/: rendered by the server, then kept live. New
// notifications are prepended, withdrawn ones (an unlike) disappear, reads from other tabs
// clear the unread marks, and "Mark all read" marks everything through the API. "Load more"
// appends older ones from the paginated API while it has a `next` page.
//
// The list on screen is kept equal to the start of the server's list (live messages add and
// remove on both sides), so the page to ask for is the one holding the first row not shown
// yet: a withdrawn notification makes it ask again for rows it partly has (never skipping
// one), and rows already on screen are never added twice.
//
// Sentences come from the page's config (`notifications_text` on the server), with
// %(actor)s and %(playlist)s turned into links; user text only ever goes in as text.

import { ApiError, apiFetch } from "../api.js";
import { dateTimeFormat, safeUrl } from "../display.js";
import { subscribe } from "../notification-feed.js";
import { plural } from "../plurals.js";

const LIVE_TYPES = new Set([
  "playlist_like",
  "playlist_comment",
  "comment_reply",
  "comment_like",
  "lastfm_unlinked",
  "listenbrainz_unlinked",
]);
const MAX_PAGE_SIZE = 100; // the API's bound (core/pagination.py)

export function mount(root) {
  const config = JSON.parse(root.querySelector("#notifications-config").textContent);
  const text = config.text;
  const list = root.querySelector("[data-notification-list]");
  const emptyState = root.querySelector("[data-notifications-empty]");
  const markAllButton = root.querySelector("[data-mark-all-read]");
  const errorBox = root.querySelector("[data-notifications-error]");
  const template = root.querySelector("#notification-template");
  const loadMoreButton = root.querySelector("[data-load-more]");
  const status = root.querySelector("[data-notifications-status]");
  const loadMoreLabel = loadMoreButton.textContent;
  const timeFormat = dateTimeFormat();
  const controller = new AbortController();
  let stopped = false;
  let hasMore = Boolean(config.hasMore);
  let loadingMore = false;

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
        // Favorites created as "Favorites" (not renamed) read in the page's language.
        text:
          playlist?.is_favorites && [undefined, "", text.favoritesStored].includes(playlist.title)
            ? text.favorites
            : playlist?.title || text.aPlaylist,
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

  function shown(id) {
    return list.querySelector(`:scope > [data-notification-id="${Number(id)}"]`) !== null;
  }

  function update() {
    const all = items();
    emptyState.hidden = all.length > 0;
    markAllButton.hidden = !all.some((item) => item.classList.contains("is-unread"));
    loadMoreButton.hidden = !hasMore;
    root.dataset.count = String(all.length);
  }

  function prepend(message) {
    if (shown(message.id)) return;
    list.prepend(build(message));
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
      // As many as are on screen (rows loaded with "Load more" stay), within the API's bound.
      const size = Math.min(MAX_PAGE_SIZE, Math.max(config.pageSize, items().length));
      const data = await apiFetch(`/api/notifications/?page_size=${size}`, {
        signal: controller.signal,
      });
      if (stopped) return;
      const fresh = new Set(data.results.map((message) => String(message.id)));
      const beyond = items()
        .slice(size)
        .filter((item) => !fresh.has(item.dataset.notificationId));
      list.replaceChildren(...data.results.map(build), ...beyond);
      if (!beyond.length) hasMore = Boolean(data.next);
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

  function announce(message) {
    status.textContent = "";
    // After a tick, so the same words are read out again.
    window.setTimeout(() => {
      if (!stopped) status.textContent = message;
    }, 50);
  }

  async function loadMore() {
    if (loadingMore || !hasMore) return;
    loadingMore = true;
    loadMoreButton.setAttribute("aria-disabled", "true");
    loadMoreButton.textContent = text.loading;
    list.setAttribute("aria-busy", "true");
    showError("");
    const page = Math.floor(items().length / config.pageSize) + 1;
    const hadFocus = document.activeElement === loadMoreButton;
    try {
      const data = await apiFetch(
        `/api/notifications/?page_size=${config.pageSize}&page=${page}`,
        { signal: controller.signal },
      );
      if (stopped) return;
      const added = data.results.filter((message) => !shown(message.id)).map(build);
      list.append(...added);
      hasMore = Boolean(data.next);
      announce(
        added.length || hasMore
          ? plural(config.plurals.moreNotifications, added.length)
          : text.noMore,
      );
      if (!hasMore && hadFocus && added.length) {
        // The button goes away: the focus moves to the first row it brought.
        added[0].tabIndex = -1;
        added[0].focus();
      }
    } catch (error) {
      if (error?.name === "AbortError" || stopped) return;
      if (error instanceof ApiError && error.status === 404) {
        hasMore = false; // the list got shorter meanwhile: nothing is left past it
        announce(text.noMore);
      } else {
        showError(error instanceof ApiError && error.status === 401 ? text.signIn : text.failed);
      }
    } finally {
      loadingMore = false;
      if (!stopped) {
        loadMoreButton.removeAttribute("aria-disabled");
        loadMoreButton.textContent = loadMoreLabel;
        list.removeAttribute("aria-busy");
        update();
      }
    }
  }

  markAllButton.addEventListener("click", markAllRead);
  loadMoreButton.addEventListener("click", loadMore);
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
