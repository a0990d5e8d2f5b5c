// The offline page holds every language (the service worker keeps one copy of it, fetched
// without cookies): show the language of the last page the reader saw (stored by app.js).
(() => {
  let language = null;
  try {
    language = localStorage.getItem("rubysound-language");
  } catch {
    return; // Storage blocked: the page stays in the browser's language.
  }
  const chosen = language && document.querySelector(`[data-offline-page="${CSS.escape(language)}"]`);
  if (!chosen) return;
  for (const section of document.querySelectorAll("[data-offline-page]")) {
    section.hidden = section !== chosen;
  }
  document.documentElement.lang = language;
  document.title = chosen.dataset.title;
})();
