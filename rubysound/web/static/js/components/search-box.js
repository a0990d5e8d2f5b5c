// The top bar's search box: artist and track suggestions as you type (WAI-ARIA combobox
// pattern, a listbox of two option groups).
//
// Focus stays in the input; ↓/↑ move through the options of both groups
// (aria-activedescendant), Enter takes the chosen one: an artist opens the artist's page, a
// track plays in the persistent player (its option is a player row, so the player takes the
// click; the Tracks group is the queue), or opens its album page when it has no audio.
// Escape closes the list (a second Escape clears the box). Enter with no option chosen
// submits the form: the search page. Typing waits ~200 ms before asking; a newer keystroke
// cancels the older requests (AbortController), and answers for anything but the current
// text are dropped.

import { apiFetch } from "../api.js";
import { movedIndex } from "../list-keys.js";
import { plural, readPlurals } from "../plurals.js";

const DEBOUNCE_MS = 200;
const MIN_CHARS = 1;
const TRACK_SUGGESTIONS = 5;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

function resultsOf(outcome) {
  if (outcome.status !== "fulfilled") return null;
  return Array.isArray(outcome.value?.results) ? outcome.value.results : [];
}

export function mount(form) {
  const input = form.querySelector('[role="combobox"]');
  const listbox = form.querySelector('[role="listbox"]');
  const status = form.querySelector("[data-search-status]");
  const labels = form.dataset;
  const plurals = readPlurals(form);
  const artistsUrl = labels.artistsUrl;
  const tracksUrl = labels.tracksUrl;
  const searchUrl = form.getAttribute("action");
  let timer = 0;
  let controller = null;
  let active = -1;
  let options = [];
  let shownFor = "";

  function setStatus(text) {
    status.textContent = text;
  }

  function setActive(index) {
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function open() {
    if (!options.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function cancelPending() {
    window.clearTimeout(timer);
    if (controller) controller.abort();
    controller = null;
  }

  function option(href, primary, secondary, kind) {
    const item = document.createElement("a");
    item.className = `search-option search-option-${kind}`;
    item.href = href;
    item.tabIndex = -1;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", "false");
    const name = document.createElement("span");
    name.className = "search-option-name";
    name.textContent = primary;
    item.append(name);
    if (secondary) {
      const meta = document.createElement("span");
      meta.className = "search-option-meta";
      meta.textContent = secondary;
      item.append(meta);
    }
    return item;
  }

  // <ul role="group"> labelled by its first, presentational item (the APG's grouped listbox).
  function group(kind, label, items) {
    const list = document.createElement("ul");
    list.className = `search-group search-group-${kind}`;
    list.setAttribute("role", "group");
    const heading = document.createElement("li");
    heading.id = `site-search-group-${kind}`;
    heading.className = "search-group-label";
    heading.setAttribute("role", "presentation");
    heading.textContent = label;
    list.setAttribute("aria-labelledby", heading.id);
    list.append(heading);
    for (const item of items) {
      const li = document.createElement("li");
      li.setAttribute("role", "none");
      li.append(item);
      list.append(li);
    }
    return list;
  }

  function artistOption(artist) {
    return option(
      `/artists/${encodeURIComponent(artist.id)}/`,
      artist.name,
      plural(plurals.listeners, Number(artist.listeners || 0)),
      "artist",
    );
  }

  function trackOption(track, query) {
    // Without audio, the album page (or a search for it when the catalog has no album).
    const named = `${track.name || ""} ${track.artist || ""}`.trim() || query;
    const fallback = track.album_id
      ? `/albums/${encodeURIComponent(track.album_id)}/`
      : `${searchUrl}?${new URLSearchParams({ q: named })}`;
    const item = option(fallback, track.name || "", track.artist || "", "track");
    if (track.url) {
      // A player row (components/player.js): the player takes the click, the link stays put
      // (not boosted: htmx would follow it before the player's listener on the document).
      item.setAttribute("hx-boost", "false");
      item.dataset.play = "";
      item.dataset.track = JSON.stringify({
        id: track.id ?? null,
        name: track.name || "",
        artist: track.artist || "",
        artist_id: track.artist_id ?? null,
        album: track.album || "",
        album_id: track.album_id ?? null,
        url: track.url,
        image_url: track.image_url || "",
        duration: track.duration ?? null,
        source: track.source || "",
      });
    }
    return item;
  }

  function render(query, artists, tracks) {
    const groups = [];
    if (artists.length) {
      groups.push(group("artists", labels.labelArtists, artists.map(artistOption)));
    }
    if (tracks.length) {
      const tracksGroup = group(
        "tracks",
        labels.labelTracks,
        tracks.map((track) => trackOption(track, query)),
      );
      tracksGroup.dataset.tracklist = "";
      groups.push(tracksGroup);
    }
    const all = option(
      `${searchUrl}?${new URLSearchParams({ q: query })}`,
      format(labels.labelSearch, { query }),
      "",
      "search",
    );
    all.id = "site-search-option-all";
    const last = document.createElement("div");
    last.className = "search-group-all";
    last.setAttribute("role", "none");
    last.append(all);
    listbox.replaceChildren(...groups, last);
    options = [...listbox.querySelectorAll('[role="option"]')];
    options.forEach((item, i) => {
      if (!item.id) item.id = `site-search-option-${i}`;
    });
    // Boosted links: htmx swaps #main and the player keeps playing.
    if (window.htmx) window.htmx.process(listbox);
    shownFor = query;
    setActive(-1);
    open();
    if (!artists.length && !tracks.length) setStatus(labels.labelNone);
    else {
      const found = [];
      if (artists.length) found.push(plural(plurals.artists, artists.length));
      if (tracks.length) found.push(plural(plurals.tracks, tracks.length));
      setStatus(format(labels.labelSuggested, { found: found.join(", ") }));
    }
  }

  async function suggest(query) {
    cancelPending();
    const mine = new AbortController();
    controller = mine;
    const ask = (url, params) =>
      apiFetch(`${url}?${new URLSearchParams(params)}`, { signal: mine.signal });
    try {
      const [artists, tracks] = (
        await Promise.allSettled([
          ask(artistsUrl, { q: query }),
          ask(tracksUrl, { q: query, page_size: String(TRACK_SUGGESTIONS) }),
        ])
      ).map(resultsOf);
      // Only the answers for what the box says now.
      if (mine.signal.aborted || input.value.trim() !== query) return;
      if (artists === null && tracks === null) {
        options = [];
        listbox.replaceChildren();
        close();
        setStatus(labels.labelError);
        return;
      }
      // One half failing still leaves the other half worth showing.
      render(query, artists || [], (tracks || []).slice(0, TRACK_SUGGESTIONS));
    } finally {
      if (controller === mine) controller = null;
    }
  }

  function onInput() {
    const query = input.value.trim();
    cancelPending();
    if (query.length < MIN_CHARS) {
      options = [];
      listbox.replaceChildren();
      shownFor = "";
      close();
      setStatus("");
      return;
    }
    timer = window.setTimeout(() => suggest(query), DEBOUNCE_MS);
  }

  function choose(index) {
    const target = options[index];
    close();
    cancelPending();
    if (target) target.click();
  }

  function onKeydown(event) {
    if (event.isComposing) return;
    const count = options.length;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (listbox.hidden) {
          if (count && shownFor === input.value.trim()) open();
          else if (input.value.trim()) suggest(input.value.trim());
          return;
        }
        setActive(movedIndex("ArrowDown", active, count) ?? -1);
        break;
      case "ArrowUp":
        if (listbox.hidden || !count) return;
        event.preventDefault();
        setActive(movedIndex("ArrowUp", active, count));
        break;
      case "Enter":
        if (!listbox.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        } else {
          // The form goes to the search page.
          cancelPending();
          close();
        }
        break;
      case "Escape":
        if (!listbox.hidden) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          cancelPending();
          input.value = "";
          onInput();
        }
        break;
      case "Home":
      case "End":
        // Keys move the caret in the text, as in any text box.
        setActive(-1);
        break;
      default:
        break;
    }
  }

  function onListClick(event) {
    // Mouse or touch on an option: the link itself navigates (boosted by htmx).
    if (event.target instanceof Element && event.target.closest('[role="option"]')) {
      close();
      cancelPending();
    }
  }

  function onListPointerDown(event) {
    // Keep focus in the input while an option is pressed, so the list does not close
    // before the click lands.
    event.preventDefault();
  }

  function onFocusOut(event) {
    if (!form.contains(event.relatedTarget)) close();
  }

  function onFocus() {
    if (options.length && shownFor === input.value.trim()) open();
  }

  function onSubmit() {
    cancelPending();
    close();
  }

  function onPageSwapped() {
    // Another page came in (a suggestion was followed, or the search ran): tidy up.
    close();
  }

  input.addEventListener("input", onInput);
  input.addEventListener("keydown", onKeydown);
  input.addEventListener("focus", onFocus);
  form.addEventListener("focusout", onFocusOut);
  form.addEventListener("submit", onSubmit);
  listbox.addEventListener("click", onListClick);
  listbox.addEventListener("mousedown", onListPointerDown);
  document.addEventListener("htmx:afterSettle", onPageSwapped);
  // Someone quick typed before this script arrived: catch up.
  if (document.activeElement === input && input.value.trim() !== input.defaultValue.trim()) {
    onInput();
  }

  return () => {
    cancelPending();
    input.removeEventListener("input", onInput);
    input.removeEventListener("keydown", onKeydown);
    input.removeEventListener("focus", onFocus);
    form.removeEventListener("focusout", onFocusOut);
    form.removeEventListener("submit", onSubmit);
    listbox.removeEventListener("click", onListClick);
    listbox.removeEventListener("mousedown", onListPointerDown);
    document.removeEventListener("htmx:afterSettle", onPageSwapped);
  };
}
