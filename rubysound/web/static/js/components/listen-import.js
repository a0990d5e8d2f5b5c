// The import form of /history/: a file over the size limit is refused before it is sent, the
// upload shows its progress, then the server's progress as it stores the listens a chunk at
// a time ("Imported 2,000 of 25,000 listens"); at the end the page comes back with the new
// history and says what happened. Without scripts the form posts as it is and the server
// answers with the page and the same message.
//
// XMLHttpRequest rather than fetch: fetch reports no upload progress. The answer is JSON
// lines (Accept: application/x-ndjson), read as they arrive from the growing responseText.

import { plural, readPlurals } from "../plurals.js";

const PROGRESS_TYPE = "application/x-ndjson";

export function mount(form) {
  const input = form.querySelector('input[type="file"]');
  const button = form.querySelector('button[type="submit"]');
  const progress = form.querySelector("[data-import-progress]");
  const status = form.querySelector("[data-import-status]");
  const maxBytes = Number(form.dataset.maxBytes) || 0;
  const plurals = readPlurals(form);
  let request = null;

  function say(text) {
    status.textContent = text;
  }

  function show(value, max) {
    progress.max = max;
    progress.value = value;
    progress.hidden = false;
  }

  function finish(text) {
    progress.hidden = true;
    button.disabled = false;
    request = null;
    say(text);
  }

  // The new history (lists, stats, this form) in place, then the result said in the new form.
  function showHistory(message) {
    if (!window.htmx) {
      finish(message);
      return;
    }
    window.htmx
      .ajax("GET", window.location.pathname + window.location.search, {
        target: "#main",
        select: "#main",
        swap: "outerHTML",
      })
      .then(() => {
        const fresh = document.querySelector("[data-component='listen-import'] [data-import-status]");
        if (fresh) fresh.textContent = message;
        else finish(message);
      })
      .catch(() => finish(message));
  }

  function follow(line) {
    if (line.error) {
      finish(line.error);
    } else if (line.message) {
      request = null;
      progress.value = line.total;
      showHistory(line.message);
    } else {
      show(line.done, line.total);
      const done = Number(line.done).toLocaleString(document.documentElement.lang || undefined);
      say(plural(plurals.importedOf, line.total).replace(/%\(done\)s/g, done));
    }
  }

  function send(event) {
    event.preventDefault();
    if (request) return;
    const file = input.files && input.files[0];
    if (file && maxBytes && file.size > maxBytes) {
      say(form.dataset.tooLarge);
      return;
    }
    const xhr = new XMLHttpRequest();
    request = xhr;
    let read = 0;
    let ended = false;
    function readLines() {
      const text = xhr.responseText;
      let newline = text.indexOf("\n", read);
      while (newline !== -1) {
        const line = text.slice(read, newline).trim();
        read = newline + 1;
        if (line) {
          try {
            const parsed = JSON.parse(line);
            if (parsed.error || parsed.message) ended = true;
            follow(parsed);
          } catch {
            // Not ours (a proxy's page): the end says the import failed.
          }
        }
        newline = text.indexOf("\n", read);
      }
    }
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", PROGRESS_TYPE);
    xhr.upload.addEventListener("progress", (progressEvent) => {
      if (!progressEvent.lengthComputable) return;
      show(progressEvent.loaded, progressEvent.total);
      const sent = progressEvent.loaded >= progressEvent.total;
      say(sent ? form.dataset.importing : form.dataset.uploading);
    });
    xhr.addEventListener("progress", readLines);
    xhr.addEventListener("load", () => {
      readLines();
      if (!ended) finish(form.dataset.interrupted);
    });
    xhr.addEventListener("error", () => finish(form.dataset.failed));
    show(0, 100);
    say(form.dataset.uploading);
    button.disabled = true;
    xhr.send(new FormData(form));
  }

  form.addEventListener("submit", send);
  // Until now a submit posts the plain form (the page comes back without progress).
  form.dataset.progress = "on";
  return () => {
    delete form.dataset.progress;
    form.removeEventListener("submit", send);
    if (request) request.abort();
  };
}
