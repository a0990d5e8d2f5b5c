// The top bar's search box: artist suggestions as you type (WAI-ARIA combobox pattern).
//
// Focus stays in the input; ↓/↑ move through the options (aria-activedescendant), Enter
// opens the chosen artist's page, Escape closes the list (a second Escape clears the box).
// Enter with no option chosen submits the form: the search page. Typing waits ~200 ms
// before asking; a newer keystroke cancels the older request (AbortController), and an
// answer for anything but the current text is dropped.

import { apiFetch } from "../api.js";

const DEBOUNCE_MS = 200;
const MIN_CHARS = 1;

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

export function mount(form) {
  const input = form.querySelector('[role="combobox"]');
  const listbox = form.querySelector('[role="listbox"]');
  const status = form.querySelector("[data-search-status]");
  const labels = form.dataset;
  const suggestUrl = labels.suggestUrl;
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

  function option(id, href, primary, secondary, kind) {
    const item = document.createElement("a");
    item.id = id;
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
    const li = document.createElement("li");
    li.setAttribute("role", "none");
    li.append(item);
    return li;
  }

  function render(query, results) {
    const items = results.map((artist, i) =>
      option(
        `site-search-option-${i}`,
        `/artists/${encodeURIComponent(artist.id)}/`,
        artist.name,
        format(labels.labelListeners, {
          count: Number(artist.listeners || 0).toLocaleString(document.documentElement.lang || undefined),
        }),
        "artist",
      ),
    );
    const params = new URLSearchParams({ q: query });
    items.push(
      option(
        "site-search-option-all",
        `${searchUrl}?${params}`,
        format(labels.labelSearch, { query }),
        "",
        "search",
      ),
    );
    listbox.replaceChildren(...items);
    options = items.map((li) => li.firstElementChild);
    // Boosted links: htmx swaps #main and the player keeps playing.
    if (window.htmx) window.htmx.process(listbox);
    shownFor = query;
    setActive(-1);
    open();
    if (!results.length) setStatus(labels.labelNone);
    else if (results.length === 1) setStatus(labels.labelCountOne);
    else setStatus(format(labels.labelCountMany, { count: results.length }));
  }

  async function suggest(query) {
    cancelPending();
    const mine = new AbortController();
    controller = mine;
    try {
      const body = await apiFetch(`${suggestUrl}?${new URLSearchParams({ q: query })}`, {
        signal: mine.signal,
      });
      // Only the answer for what the box says now.
      if (mine.signal.aborted || input.value.trim() !== query) return;
      render(query, Array.isArray(body?.results) ? body.results : []);
    } catch (error) {
      if (error?.name === "AbortError" || mine.signal.aborted) return;
      if (input.value.trim() !== query) return;
      options = [];
      listbox.replaceChildren();
      close();
      setStatus(labels.labelError);
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
        setActive(active + 1 >= count ? 0 : active + 1);
        break;
      case "ArrowUp":
        if (listbox.hidden || !count) return;
        event.preventDefault();
        setActive(active <= 0 ? count - 1 : active - 1);
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
