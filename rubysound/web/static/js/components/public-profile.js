// The public profile page (/u/<username>/): the Favorites' like button and likes count,
// and the comments, kept live over WebSocket.
//
// A component (data-component="public-profile" on the page's root): boosted navigation swaps
// pages in and out of one document, so everything lives inside `mount`, and the cleanup it
// returns closes the comments socket, leaves the notifications feed and stops the timers.
//
// Everything a user typed (comments, names) reaches the page through textContent and DOM
// properties, never innerHTML: the markup comes from the page's <template> elements.

import { ApiError, apiFetch } from "../api.js";
import { dateTimeFormat, safeUrl } from "../display.js";
import { LiveSocket } from "../live-socket.js";
import { subscribe } from "../notification-feed.js";
import { plural } from "../plurals.js";

export function mount(page) {
  const config = JSON.parse(page.querySelector("#profile-config").textContent);
  // Aborts the page's reads when it leaves; `stopped` keeps late answers off a gone page.
  const controller = new AbortController();
  let stopped = false;
  let unsubscribeNotifications = null;
  const text = config.text;
  const apiBase = `/api/playlists/public/${encodeURIComponent(config.username)}`;
  const timeFormat = dateTimeFormat();

  function messageFor(error) {
    if (error instanceof ApiError) {
      if (error.status === 401) return text.signIn;
      if (error.status === 429 && error.code === "throttled") {
        // In the page's words, not the API's: how long to wait, counted.
        return error.retryAfter === null
          ? text.tooFast
          : plural(config.plurals.tooFastSeconds, Math.max(1, error.retryAfter));
      }
      const textErrors = error.fields.text;
      if (error.status === 400 && Array.isArray(textErrors) && textErrors.length) {
        return error.code === "invalid" && tooLong(error) ? text.tooLong : textErrors[0];
      }
      if (error.detail) return error.detail;
    }
    return text.failed;
  }

  // The text the user tried to post, kept by setUpForm for the answer's wording.
  let lastPosted = "";
  function tooLong() {
    return [...lastPosted].length > config.commentMaxLength;
  }

  // --- Likes of the Favorites ---------------------------------------------------------------

  const likesCount = page.querySelector("[data-likes-count]");
  const likesWord = page.querySelector("[data-likes-word]");
  const likeButton = page.querySelector("[data-like-button]");

  function showLikes(count, likedByMe) {
    if (likesCount && Number.isInteger(count)) likesCount.textContent = String(count);
    if (likesWord && Number.isInteger(count)) {
      likesWord.textContent = plural(config.plurals.likesWord, count);
    }
    if (likeButton && typeof likedByMe === "boolean") {
      likeButton.setAttribute("aria-pressed", String(likedByMe));
      likeButton.textContent = likedByMe ? text.liked : text.like;
    }
  }

  // A re-read of the count may have been answered from before a live message (or a click's
  // answer) that arrives ahead of it; each of those bumps `likesVersion`, and an older
  // re-read is dropped.
  let likesVersion = 0;

  likeButton?.addEventListener("click", async () => {
    const liked = likeButton.getAttribute("aria-pressed") === "true";
    likeButton.disabled = true;
    try {
      const data = await apiFetch(`${apiBase}/like/`, { method: liked ? "DELETE" : "POST" });
      likesVersion += 1;
      showLikes(data.likes_count, data.liked_by_me);
    } catch (error) {
      flash(messageFor(error));
    } finally {
      likeButton.disabled = false;
    }
  });
  // The server renders the button disabled: a click before the handler was there would be
  // lost (the page is usable before its script has loaded).
  if (likeButton) likeButton.disabled = false;

  async function refreshLikes() {
    const asked = ++likesVersion;
    try {
      const data = await apiFetch(`${apiBase}/`, { signal: controller.signal });
      if (asked === likesVersion) showLikes(data.playlist.likes_count, data.playlist.liked_by_me);
    } catch {
      // The next live message or reload will do.
    }
  }

  function isAboutFavorites(message) {
    const playlistId = message.playlist_id ?? message.playlist?.id;
    return playlistId === config.favoritesId;
  }

  // The owner hears about likes of their playlists on their notifications socket (the one the
  // top bar's badge shares).
  function followOwnerNotifications() {
    unsubscribeNotifications = subscribe({
      onMessage(message) {
        if (
          (message.type === "playlist_like" || message.type === "playlist_like_removed") &&
          isAboutFavorites(message)
        ) {
          likesVersion += 1;
          showLikes(message.likes_count);
        }
      },
      // Likes that came and went while the socket was down.
      onOpen(isReconnect) {
        if (isReconnect) refreshLikes();
      },
      onStatus(state) {
        page.dataset.liveNotifications = state;
      },
    });
  }

  // --- Comments -------------------------------------------------------------------------------

  const commentsSection = page.querySelector("#comments");
  const commentList = page.querySelector("[data-comment-list]");
  const commentsState = page.querySelector("[data-comments-state]");
  const liveStatus = page.querySelector("[data-live-status]");
  const flashBox = page.querySelector("[data-flash]");
  const commentTemplate = page.querySelector("#comment-template");
  const replyFormTemplate = page.querySelector("#reply-form-template");
  // Comment id -> its <li>; replies sit in their root's <li>.
  const commentElements = new Map();
  let commentsSocket = null;
  let flashTimer = null;
  let fallbackTimer = null;

  function flash(message) {
    if (!flashBox) return;
    flashBox.textContent = message;
    flashBox.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      flashBox.hidden = true;
    }, 6000);
  }

  function part(element, name) {
    return element.querySelector(`:scope > .comment-body [data-part="${name}"]`);
  }

  function action(element, name) {
    return element.querySelector(`:scope > .comment-body [data-action="${name}"]`);
  }

  function rootOf(element) {
    return element.parentElement?.closest("li.comment") ?? element;
  }

  /** Fills a comment's <li> from a comment object (its replies are handled by the caller). */
  function fillComment(element, comment) {
    const deleted = Boolean(comment.is_deleted);
    element.dataset.commentId = String(comment.id);
    element.id = `comment-${comment.id}`;
    element.classList.toggle("is-deleted", deleted);
    // A user whose profile others cannot open comes without a name or a profile link
    // (username null): "a listener", in the page's language.
    const authorName = deleted ? "" : (comment.author_username ?? text.listener);
    element.dataset.authorName = authorName;

    const authorLink = part(element, "author-link");
    authorLink.hidden = deleted || !authorName;
    const profileUrl = safeUrl(comment.author_profile_url);
    if (profileUrl) authorLink.href = profileUrl;
    else authorLink.removeAttribute("href");
    const avatar = part(element, "avatar");
    const avatarUrl = safeUrl(comment.author_avatar_url);
    if (avatarUrl) avatar.src = avatarUrl;
    else avatar.removeAttribute("src");
    part(element, "author").textContent = authorName;

    const answers = comment.reply_to_user_id != null;
    const replyTo = part(element, "reply-to");
    replyTo.hidden = deleted || !answers;
    part(element, "reply-to-name").textContent = answers
      ? (comment.reply_to_username ?? text.listener)
      : "";

    const time = part(element, "time");
    const created = new Date(comment.created_at);
    if (Number.isNaN(created.getTime())) {
      time.removeAttribute("datetime");
      time.textContent = "";
    } else {
      time.dateTime = comment.created_at;
      time.textContent = timeFormat.format(created);
    }

    part(element, "text").textContent = comment.text;

    const signedIn = config.viewer !== null;
    action(element, "like").hidden = deleted || !signedIn;
    part(element, "likes-static").hidden = deleted || signedIn;
    setCommentLikes(element, comment.likes_count, comment.liked_by_me);

    // Replies hang on live root comments only (one level).
    const root = comment.parent_id ? commentElements.get(comment.parent_id) : null;
    const threadOpen = comment.parent_id ? !root?.classList.contains("is-deleted") : !deleted;
    action(element, "reply").hidden = !signedIn || deleted || !threadOpen;
    action(element, "delete").hidden = deleted || !comment.can_delete;
  }

  function setCommentLikes(element, count, likedByMe) {
    if (Number.isInteger(count)) {
      part(element, "likes").textContent = String(count);
      part(element, "likes-static-count").textContent = String(count);
      const word = plural(config.plurals.likesWord, count);
      part(element, "likes-word").textContent = word;
      part(element, "likes-static-word").textContent = word;
    }
    if (typeof likedByMe === "boolean") {
      action(element, "like").setAttribute("aria-pressed", String(likedByMe));
    }
  }

  function buildComment(comment) {
    const element = commentTemplate.content.firstElementChild.cloneNode(true);
    commentElements.set(comment.id, element);
    fillComment(element, comment);
    const replies = repliesListOf(element);
    for (const reply of comment.replies || []) replies.append(buildComment(reply));
    return element;
  }

  function repliesListOf(rootElement) {
    return rootElement.querySelector(":scope > .comment-replies");
  }

  /** Adds a comment where it belongs, or refreshes it when it is already on the page. */
  function upsertComment(comment) {
    const existing = commentElements.get(comment.id);
    if (existing) {
      fillComment(existing, comment);
      return;
    }
    if (comment.parent_id) {
      const root = commentElements.get(comment.parent_id);
      if (!root) return; // a thread older than the ones shown
      repliesListOf(root).append(buildComment(comment));
    } else {
      commentList.append(buildComment(comment));
    }
    updateEmptyState();
  }

  function forgetTree(element) {
    for (const node of [element, ...element.querySelectorAll("li.comment")]) {
      commentElements.delete(Number(node.dataset.commentId));
    }
  }

  function removeComments(ids) {
    for (const id of ids) {
      const element = commentElements.get(id);
      if (!element) continue;
      forgetTree(element);
      element.remove();
    }
    updateEmptyState();
  }

  function applyTombstone(tombstone) {
    const element = commentElements.get(tombstone.id);
    if (!element) return;
    fillComment(element, tombstone);
    // No new replies to a deleted comment: close the thread's reply buttons and form.
    for (const reply of repliesListOf(element).children) action(reply, "reply").hidden = true;
    element.querySelector(":scope > .reply-form")?.remove();
  }

  function renderComments(comments) {
    for (const element of commentElements.values()) element.remove();
    commentElements.clear();
    commentList.replaceChildren(...comments.map(buildComment));
    updateEmptyState();
  }

  // A notification links to its comment (#comment-<id>): show it once the list is there.
  function showLinkedComment() {
    const match = /^#comment-(\d+)$/.exec(window.location.hash);
    const element = match ? commentElements.get(Number(match[1])) : null;
    if (!element) return;
    element.classList.add("is-linked");
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    element.scrollIntoView({ block: "center", behavior: reduce ? "auto" : "smooth" });
  }

  function updateEmptyState() {
    commentsState.hidden = commentList.children.length > 0;
    if (!commentsState.hidden) commentsState.textContent = text.empty;
  }

  // Loads and live events run one after another, so an event that arrives while the list is
  // loading lands on the fresh list instead of being wiped by it.
  let queue = Promise.resolve();
  function enqueue(task) {
    queue = queue
      .then(() => (stopped ? undefined : task()))
      .catch((error) => {
        if (!stopped && error?.name !== "AbortError") console.error(error);
      });
    return queue;
  }

  let commentsLoaded = false;
  function loadComments() {
    return enqueue(async () => {
      try {
        const data = await apiFetch(`${apiBase}/comments/`, { signal: controller.signal });
        if (stopped) return;
        renderComments(data.results);
        if (!commentsLoaded) showLinkedComment();
        commentsLoaded = true;
        page.dataset.commentsLoaded = "true";
      } catch (error) {
        if (!commentsLoaded && !stopped) {
          commentsState.hidden = false;
          commentsState.textContent = text.unavailable;
        }
        throw error;
      }
    });
  }

  function handleCommentEvent(message) {
    enqueue(() => {
      switch (message.type) {
        case "playlist_comment_created":
          if (message.comment) upsertComment(message.comment);
          break;
        case "playlist_comment_deleted":
          removeComments(message.deleted_ids || []);
          for (const tombstone of message.tombstones || []) applyTombstone(tombstone);
          break;
        case "playlist_comment_like_changed": {
          const element = commentElements.get(message.comment_id);
          if (element) setCommentLikes(element, message.likes_count, message.liked_by_me);
          break;
        }
        default:
          break;
      }
    });
  }

  function showLiveStatus(state) {
    page.dataset.liveComments = state;
    if (!liveStatus) return;
    liveStatus.dataset.state = state;
    liveStatus.textContent =
      { open: text.live, connecting: text.connecting, reconnecting: text.reconnecting }[state] ??
      text.offline;
  }

  function followComments() {
    commentsSocket = new LiveSocket(`/ws/comments/public/${encodeURIComponent(config.username)}/`, {
      onMessage: handleCommentEvent,
      // Loading after the socket is open means no comment falls between list and stream;
      // after a reconnect it catches up on whatever happened meanwhile.
      onOpen: () => loadComments(),
      onStatus(state) {
        showLiveStatus(state);
        if (state !== "open" && state !== "connecting" && !commentsLoaded) loadComments();
      },
    });
    commentsSocket.start();
    // A socket that takes its time must not keep the comments from showing.
    fallbackTimer = setTimeout(() => {
      if (!commentsLoaded) loadComments();
    }, 3000);
  }

  async function postComment(body) {
    const comment = await apiFetch(`${apiBase}/comments/`, { method: "POST", body });
    enqueue(() => upsertComment(comment));
    return comment;
  }

  function setUpForm(form, errorBox, submit) {
    const textarea = form.querySelector("textarea");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = textarea.value;
      if (value.trim() === "") {
        errorBox.textContent = text.emptyText;
        textarea.focus();
        return;
      }
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      errorBox.textContent = "";
      lastPosted = value;
      try {
        await submit(value);
        textarea.value = "";
      } catch (error) {
        errorBox.textContent = messageFor(error);
      } finally {
        button.disabled = false;
      }
    });
    // Ctrl/Cmd+Enter posts, as in most comment boxes.
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
  }

  function openReplyForm(target) {
    const root = rootOf(target);
    let form = root.querySelector(":scope > .reply-form");
    if (!form) {
      form = replyFormTemplate.content.firstElementChild.cloneNode(true);
      root.append(form);
      form.querySelector('[data-action="cancel"]').addEventListener("click", () => form.remove());
      setUpForm(form, form.querySelector('[data-part="error"]'), async (value) => {
        const body = { text: value, parent_id: Number(root.dataset.commentId) };
        // Answering someone inside the thread: the server notes whom the reply is for.
        const replyTo = Number(form.dataset.replyToCommentId);
        if (replyTo && replyTo !== body.parent_id) body.reply_to_comment_id = replyTo;
        await postComment(body);
        form.remove();
      });
    }
    form.dataset.replyToCommentId = target.dataset.commentId;
    form.querySelector('[data-part="target"]').textContent = target.dataset.authorName;
    form.querySelector("textarea").focus();
  }

  async function toggleCommentLike(element, button) {
    const id = Number(element.dataset.commentId);
    const liked = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    try {
      const data = await apiFetch(`${apiBase}/comments/${id}/like/`, {
        method: liked ? "DELETE" : "POST",
      });
      setCommentLikes(element, data.likes_count, data.liked_by_me);
    } catch (error) {
      flash(messageFor(error));
    } finally {
      button.disabled = false;
    }
  }

  async function deleteComment(element, button) {
    const id = Number(element.dataset.commentId);
    button.disabled = true;
    try {
      await apiFetch(`${apiBase}/comments/${id}/`, { method: "DELETE" });
      // The live event removes it (or leaves a tombstone when others replied); without a
      // socket, the list is fetched again to learn which.
      if (!commentsSocket?.isOpen) await loadComments();
    } catch (error) {
      flash(messageFor(error));
    } finally {
      button.disabled = false;
    }
  }

  function setUpComments() {
    const form = page.querySelector("[data-comment-form]");
    if (form) {
      setUpForm(form, form.querySelector("[data-form-error]"), (value) =>
        postComment({ text: value }),
      );
      // Rendered disabled: before the handler, a submit would send the form as a plain GET.
      form.querySelector('button[type="submit"]').disabled = false;
    }
    commentList.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const element = button.closest("li.comment");
      if (!element) return;
      switch (button.dataset.action) {
        case "like":
          toggleCommentLike(element, button);
          break;
        case "reply":
          openReplyForm(element);
          break;
        case "delete":
          deleteComment(element, button);
          break;
        default:
          break;
      }
    });
    followComments();
  }

  if (config.isPublic) {
    if (commentsSection) setUpComments();
    if (config.isOwner && config.favoritesId !== null) followOwnerNotifications();
  }
  // Every control has its handler: the page may be used (tests wait for this too).
  page.dataset.ready = "true";

  return () => {
    stopped = true;
    controller.abort();
    clearTimeout(flashTimer);
    clearTimeout(fallbackTimer);
    commentsSocket?.stop();
    unsubscribeNotifications?.();
  };
}
