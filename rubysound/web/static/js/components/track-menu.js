// The "More" menu of every track row (templates/web/_track_menu.html) and the "Add all to a
// playlist" control of album, artist and playlist pages (web/_list_actions.html).
//
// Mounted once on the status line outside #main (base.html): it listens on the document, so
// rows of every page htmx swaps in work without mounting anything per row. The menu is built
// from the <template> in that status line and opened inside the row's wrapper, so its
// [data-queue] buttons ("Play next", "Add to queue") sit in the row whose track the player
// reads. "Add to playlist…" fetches the picker of the add-to-playlist page (the page that
// works without scripts) and shows it in place; its forms are sent with fetch, and the
// message of the page the server redirects to says what happened.
//
// Keyboard: Enter/Space (or ArrowDown) on the button open the menu on its first item, arrows,
// Home and End move, Escape closes it and gives the focus back to the button, Tab leaves it.

import { movedIndex } from "../list-keys.js";

const ITEM = "[role='menuitem']:not([hidden]), [data-picker-item]";
const MOVES = ["ArrowDown", "ArrowUp", "Home", "End"];
const MESSAGE_MS = 6000;
const MAX_KNOWN = 2000;

// The tracks of the lists played from (their rows' JSON), by title and artist: the player
// shows the playing track's title and artist, and the player's menu needs its ids.
const known = new Map();

function trackKey(name, artist) {
  return `${name || ""}\u0000${artist || ""}`;
}

function readTrack(row) {
  try {
    return JSON.parse(row.dataset.track || "null");
  } catch {
    return null;
  }
}

function remember(root) {
  if (known.size > MAX_KNOWN) known.clear();
  root.querySelectorAll("[data-track]").forEach((row) => {
    const track = readTrack(row);
    if (track && track.id) known.set(trackKey(track.name, track.artist), track);
  });
}

/** The playing track as the rows describe it, or null when no row ever did. */
function playingTrack() {
  const section = document.getElementById("player");
  if (!section) return null;
  if (section.dataset.currentTrack) {
    try {
      return JSON.parse(section.dataset.currentTrack);
    } catch {
      // fall through to the title and artist shown
    }
  }
  const name = section.querySelector("[data-title]")?.textContent || "";
  const artist = section.querySelector("[data-artist]")?.textContent || "";
  if (!name) return null;
  remember(document.getElementById("main") || document.body);
  return known.get(trackKey(name, artist)) || null;
}

let current = null; // {wrapper, button, popup}
// Closed menus are hidden, and removed only when the next one opens: htmx reads the clicked
// link's place in the page (its hx-select, from <body>) when the answer arrives.
const closed = [];

function items(popup) {
  return [...popup.querySelectorAll(ITEM)].filter((item) => !item.disabled);
}

function focusFirstItem(popup) {
  items(popup)[0]?.focus();
}

function close({ restoreFocus = false } = {}) {
  if (!current) return;
  const { button, popup, wrapper } = current;
  current = null;
  popup.hidden = true;
  closed.push(popup);
  wrapper.classList.remove("is-open");
  button.setAttribute("aria-expanded", "false");
  if (restoreFocus) button.focus();
}

function place(wrapper, popup) {
  if (wrapper.hasAttribute("data-player-menu")) {
    popup.classList.add("opens-up"); // always above the bar
    return;
  }
  // Opens upwards when there is no room below (rows at the bottom, above the player).
  const rect = wrapper.getBoundingClientRect();
  const player = document.getElementById("player");
  const bottom = player && !player.hidden ? player.getBoundingClientRect().top : window.innerHeight;
  popup.classList.toggle("opens-up", rect.bottom + popup.offsetHeight > bottom && rect.top > popup.offsetHeight);
}

export function mount(element) {
  const template = element.querySelector("template[data-track-menu-template]");
  const statusLine = element.querySelector("[data-track-menu-status]");
  const text = element.dataset;
  let timer = 0;

  function say(message, isError = false) {
    window.clearTimeout(timer);
    statusLine.classList.toggle("is-error", isError);
    statusLine.textContent = message;
    timer = window.setTimeout(() => {
      statusLine.textContent = "";
    }, MESSAGE_MS);
  }

  function open(wrapper, button, popup, { focusFirst = true } = {}) {
    close();
    closed.splice(0).forEach((old) => old.remove());
    wrapper.append(popup);
    // Boosted like every link of the site (htmx swaps #main, the player plays on); the
    // picker's form is left alone: this module sends it.
    if (window.htmx) popup.querySelectorAll("a[href]:not([data-menu-add])").forEach((link) => window.htmx.process(link));
    wrapper.classList.add("is-open");
    button.setAttribute("aria-expanded", "true");
    current = { wrapper, button, popup };
    place(wrapper, popup);
    if (focusFirst) focusFirstItem(popup);
  }

  function describePlaying(wrapper) {
    const track = playingTrack();
    const data = wrapper.dataset;
    data.albumUrl = track && track.album_id ? `/albums/${track.album_id}/` : "";
    data.artistUrl = track && track.artist_id ? `/artists/${track.artist_id}/` : "";
    const next = encodeURIComponent(window.location.pathname + window.location.search);
    data.addUrl =
      track && track.id && text.signedIn === "true"
        ? `/tracks/${track.id}/add-to-playlist/?next=${next}`
        : "";
  }

  function openMenu(wrapper, button) {
    const popup = template.content.firstElementChild.cloneNode(true);
    const data = wrapper.dataset;
    const forPlayer = wrapper.hasAttribute("data-player-menu");
    if (forPlayer) describePlaying(wrapper);
    const links = {
      "[data-menu-album]": data.albumUrl,
      "[data-menu-artist]": data.artistUrl,
      "[data-menu-add]": data.addUrl,
    };
    for (const [selector, url] of Object.entries(links)) {
      const link = popup.querySelector(selector);
      if (!link) continue;
      if (url) link.setAttribute("href", url);
      else link.remove();
    }
    if (forPlayer || button.hasAttribute("data-unplayable")) {
      // The playing track is in the queue already.
      popup.querySelectorAll("[data-queue]").forEach((item) => item.remove());
    }
    if (!popup.querySelector("[role='menuitem']")) {
      say(text.nothing);
      return;
    }
    open(wrapper, button, popup);
  }

  async function openPicker(wrapper, button, url) {
    const popup = document.createElement("div");
    popup.className = "track-menu-popup track-menu-picker";
    popup.setAttribute("role", "dialog");
    popup.setAttribute("aria-label", text.pickerLabel);
    const status = document.createElement("p");
    status.className = "muted track-menu-loading";
    status.textContent = text.loading;
    popup.append(status);
    open(wrapper, button, popup, { focusFirst: false });
    popup.tabIndex = -1;
    popup.focus();
    let picker = null;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        picker = page.querySelector("[data-playlist-picker]");
      } else if (response.status === 401 || response.status === 403) {
        status.textContent = text.signedOut;
      }
    } catch {
      status.textContent = text.offline;
    }
    if (!current || current.popup !== popup) return; // closed meanwhile
    if (!picker) {
      if (status.textContent === text.loading) status.textContent = text.failed;
      return;
    }
    const title = picker.querySelector("#add-picker-title");
    const label = picker.querySelector("label[for='add-picker-title']");
    if (title && label) {
      // One id per page: the picker may open on the add page itself.
      title.id = "track-menu-new-title";
      label.htmlFor = title.id;
    }
    status.remove();
    popup.append(document.adoptNode(picker));
    place(wrapper, popup);
    focusFirstItem(popup);
  }

  async function send(form, submitter) {
    const action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    const body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    form.setAttribute("aria-busy", "true");
    let messages = [];
    let failed = false;
    try {
      const response = await fetch(action, { method: "POST", body, credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      messages = [...page.querySelectorAll(".messages .message")];
      failed = !response.ok || messages.some((item) => item.classList.contains("message-error"));
    } catch {
      say(text.offline, true);
      form.removeAttribute("aria-busy");
      return;
    }
    form.removeAttribute("aria-busy");
    const said = messages.map((item) => item.textContent.trim()).join(" ");
    say(said || text.failed, failed || !said);
    if (!failed) {
      close({ restoreFocus: true });
      document.dispatchEvent(new CustomEvent("rubysound:playlist-changed", { detail: { action } }));
    }
  }

  const onClick = (event) => {
    if (!(event.target instanceof Element)) return;
    const target = event.target;
    const menuButton = target.closest("[data-track-menu-button]");
    if (menuButton) {
      const wrapper = menuButton.closest("[data-track-menu]");
      if (current && current.button === menuButton) close();
      else if (wrapper) openMenu(wrapper, menuButton);
      return;
    }
    const play = target.closest("[data-play]");
    if (play) {
      const listId = play.getAttribute("aria-controls");
      remember((listId && document.getElementById(listId)) || play.closest("[data-tracklist]") || play.closest("[data-track]") || document.body);
    }
    if (!current) return;
    if (!current.popup.contains(target)) {
      // The "Add all" button toggles through its form's submit (below).
      if (target.closest("[data-add-all-button]") !== current.button) close();
      return;
    }
    const add = target.closest("[data-menu-add]");
    if (add) {
      event.preventDefault();
      openPicker(current.wrapper, current.button, add.getAttribute("href"));
      return;
    }
    if (target.closest("[data-queue], a[href]")) {
      // After the player's own listener has read the row (the popup is in it).
      window.setTimeout(() => close(), 0);
    }
  };

  const onSubmit = (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches("[data-add-all]")) {
      event.preventDefault();
      const button = form.querySelector("[data-add-all-button]");
      if (current && current.button === button) {
        close();
        return;
      }
      const query = new URLSearchParams(new FormData(form)).toString();
      openPicker(form.parentElement, button, `${form.getAttribute("action")}?${query}`);
      return;
    }
    if (current && current.popup.contains(form) && form.matches("[data-playlist-picker]")) {
      event.preventDefault();
      send(form, event.submitter);
    }
  };

  const onKeydown = (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const menuButton = target.closest("[data-track-menu-button]");
    if (menuButton && event.key === "ArrowDown" && !current) {
      event.preventDefault();
      const wrapper = menuButton.closest("[data-track-menu]");
      if (wrapper) openMenu(wrapper, menuButton);
      return;
    }
    if (!current || !current.popup.contains(target)) {
      if (current && event.key === "Escape" && target === current.button) close({ restoreFocus: true });
      return;
    }
    // Home and End move the caret in the picker's title box, as in any text box.
    const inText = target instanceof HTMLInputElement;
    if (MOVES.includes(event.key) && !(inText && (event.key === "Home" || event.key === "End"))) {
      event.preventDefault();
      const all = items(current.popup);
      const next = movedIndex(event.key, all.indexOf(target), all.length);
      if (next !== null) all[next].focus();
      return;
    }
    switch (event.key) {
      case "Escape":
        event.preventDefault();
        close({ restoreFocus: true });
        break;
      case "Tab":
        if (current.popup.getAttribute("role") === "menu") close();
        break;
      case " ":
        // A link item: Space activates it like Enter, as in a menu.
        if (target.matches("a[role='menuitem']")) {
          event.preventDefault();
          target.click();
        }
        break;
      default:
    }
  };

  const onNavigate = () => close();

  // The playlist page's search adds through htmx, which replaces the page where it is: the
  // focus goes on to the next result's Add button (else the search box), not lost to <body>.
  let addedAt = null;
  const onAddInPlace = (event) => {
    const result = event.target instanceof Element ? event.target.closest(".playlist-search-result") : null;
    addedAt = result ? [...result.parentElement.children].indexOf(result) : null;
  };
  const onSettled = () => {
    if (addedAt === null) return;
    const index = addedAt;
    addedAt = null;
    const results = [...document.querySelectorAll(".playlist-search-result")];
    const next = [...results.slice(index), ...results.slice(0, index)]
      .map((item) => item.querySelector("button[type='submit']"))
      .find(Boolean);
    (next || document.getElementById("playlist-find"))?.focus();
  };

  document.addEventListener("click", onClick);
  document.addEventListener("submit", onSubmit);
  document.addEventListener("keydown", onKeydown);
  document.addEventListener("htmx:beforeSwap", onNavigate);
  document.addEventListener("submit", onAddInPlace);
  document.addEventListener("htmx:afterSettle", onSettled);
  element.dataset.ready = "true";
  return () => {
    document.removeEventListener("click", onClick);
    document.removeEventListener("submit", onSubmit);
    document.removeEventListener("keydown", onKeydown);
    document.removeEventListener("htmx:beforeSwap", onNavigate);
    document.removeEventListener("submit", onAddInPlace);
    document.removeEventListener("htmx:afterSettle", onSettled);
    close();
  };
}
