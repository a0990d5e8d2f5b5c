// The heart of every track row: adds its track to the signed-in user's Favorites, or takes
// it out again (POST / DELETE /api/playlists/me/tracks/ {track_id}).
//
// Each heart is a form posting to /favorites/, which does the same with a page load when
// scripts are off (or before this one has loaded); here the click is taken over, so the page
// stays put, and the form's `action` field follows the heart's state.
//
// Mounted once on the status line outside #main (base.html, signed-in visitors only), it
// listens to clicks on the whole document: rows of every page htmx swaps in work without
// mounting anything per row, and navigation never tears it down. The server renders each
// heart's state (aria-pressed); this keeps every heart of the same track in step and says
// what happened in the polite status line.

import { ApiError, apiFetch } from "../api.js";

const ENDPOINT = "/api/playlists/me/tracks/";
const MESSAGE_MS = 5000;

function fill(template, title) {
  return (template || "").replace("%(title)s", title);
}

function titleOf(button) {
  const row = button.closest("[data-track]");
  if (!row) return "";
  try {
    return JSON.parse(row.dataset.track).name || "";
  } catch {
    return "";
  }
}

export function mount(element) {
  const text = element.dataset;
  let timer = 0;

  function say(message, isError = false) {
    window.clearTimeout(timer);
    element.classList.toggle("is-error", isError);
    element.textContent = message;
    timer = window.setTimeout(() => {
      element.textContent = "";
    }, MESSAGE_MS);
  }

  function show(trackId, pressed, title) {
    const selector = `[data-track-id="${CSS.escape(trackId)}"] [data-favorite]`;
    for (const heart of document.querySelectorAll(selector)) {
      heart.setAttribute("aria-pressed", String(pressed));
      heart.setAttribute("aria-label", fill(pressed ? text.labelRemove : text.labelAdd, title));
      const action = heart.form && heart.form.querySelector("[data-favorite-action]");
      if (action) action.value = pressed ? "remove" : "add";
    }
  }

  function failure(error, title, adding) {
    if (!(error instanceof ApiError)) return text.offline;
    if (error.status === 401 || error.status === 403) return text.signedOut;
    if (error.status === 404) {
      // Removing: it was not there (any more). Adding: the track itself is gone.
      return adding ? text.gone : fill(text.missing, title);
    }
    return text.failed;
  }

  async function toggle(button) {
    const row = button.closest("[data-track-id]");
    const trackId = row && row.dataset.trackId;
    if (!trackId || button.getAttribute("aria-busy") === "true") return;
    const title = titleOf(button);
    const adding = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-busy", "true");
    try {
      await apiFetch(ENDPOINT, {
        method: adding ? "POST" : "DELETE",
        body: { track_id: Number(trackId) },
      });
      show(trackId, adding, title);
      say(fill(adding ? text.added : text.removed, title));
    } catch (error) {
      if (adding && error instanceof ApiError && error.status === 409) {
        show(trackId, true, title); // added meanwhile (another tab): it is there all the same
        say(fill(text.already, title));
      } else if (!adding && error instanceof ApiError && error.status === 404) {
        show(trackId, false, title);
        say(fill(text.missing, title));
      } else {
        say(failure(error, title, adding), true);
      }
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  function onClick(event) {
    const button = event.target instanceof Element && event.target.closest("[data-favorite]");
    if (!button || button.disabled) return;
    event.preventDefault(); // no form submission: the API call below does the work
    toggle(button);
  }

  document.addEventListener("click", onClick);
  element.dataset.ready = "true";
  return () => {
    document.removeEventListener("click", onClick);
    window.clearTimeout(timer);
  };
}
