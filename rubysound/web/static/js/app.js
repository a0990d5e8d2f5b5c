// Page components: any element with data-component="name" gets ./components/<name>.js
// mounted on it (its `mount(element)` may return a cleanup function). Components mount on the
// first page and on every page htmx swaps in, and are cleaned up when their element leaves,
// so sockets and timers of a page never outlive it.

import { localizeTimes } from "./display.js";
import "./navigation-errors.js";
import "./pwa.js";

// The offline page (kept by the service worker, fetched without cookies) shows itself in the
// language of the last page seen: js/offline-language.js reads this.
try {
  localStorage.setItem("rubysound-language", document.documentElement.lang);
} catch {
  // Storage blocked (privacy mode): the offline page follows the browser's language.
}

const cleanups = new WeakMap();
const COMPONENT_NAME = /^[a-z][a-z0-9-]*$/;

async function mountComponent(element) {
  if (cleanups.has(element)) return;
  cleanups.set(element, null);
  const name = element.dataset.component;
  if (!COMPONENT_NAME.test(name)) {
    console.error(`Unknown component name: ${name}`);
    return;
  }
  try {
    const module = await import(`./components/${name}.js`);
    const cleanup = await module.mount(element);
    if (typeof cleanup === "function") cleanups.set(element, cleanup);
  } catch (error) {
    console.error(`Component ${name} failed to start`, error);
  }
}

function mountWithin(root) {
  if (!(root instanceof Element)) return;
  // Before the components, which may copy them: times read the same on a full load and after
  // boosted navigation.
  localizeTimes(root);
  if (root.matches("[data-component]")) mountComponent(root);
  root.querySelectorAll("[data-component]").forEach(mountComponent);
}

function unmount(element) {
  const cleanup = cleanups.get(element);
  cleanups.delete(element);
  if (typeof cleanup === "function") {
    try {
      cleanup();
    } catch (error) {
      console.error("Component cleanup failed", error);
    }
  }
}

document.addEventListener("htmx:beforeCleanupElement", (event) => {
  if (event.target instanceof Element && event.target.matches("[data-component]")) {
    unmount(event.target);
  }
});

if (window.htmx) {
  // Fires for the first page and for every piece of content htmx swaps in.
  window.htmx.onLoad(mountWithin);
} else {
  // htmx failed to load: the site still works as plain pages.
  mountWithin(document.body);
}
