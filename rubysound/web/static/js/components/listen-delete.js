// The delete buttons of /history/'s listens: asks first, then DELETE /api/listens/<id>/ and
// the row leaves the list without a reload. Without scripts each button is a plain form
// (web/views/history.py delete_listen) that comes back to the page.

import { apiFetch } from "../api.js";

export function mount(section) {
  const status = section.querySelector("[data-listen-status]");

  async function submit(event) {
    const form = event.target.closest("form[data-listen-delete]");
    if (!form) return;
    event.preventDefault();
    if (!window.confirm(section.dataset.confirm)) return;
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await apiFetch(`/api/listens/${form.dataset.listenDelete}/`, { method: "DELETE" });
      // Keyboard users land on the next row's button rather than on the page's top.
      const row = form.closest("li");
      const next = row.nextElementSibling?.querySelector("form[data-listen-delete] button");
      row.remove();
      if (next) next.focus();
      if (status) status.textContent = section.dataset.deleted;
    } catch (error) {
      // Already gone (another tab deleted it): the row goes as if this click had done it.
      if (error.status === 404) {
        form.closest("li").remove();
        if (status) status.textContent = section.dataset.deleted;
        return;
      }
      button.disabled = false;
      if (status) status.textContent = section.dataset.failed;
      window.alert(section.dataset.failed);
    }
  }

  section.addEventListener("submit", submit);
  return () => section.removeEventListener("submit", submit);
}
