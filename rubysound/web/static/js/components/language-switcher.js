// The footer's language switch. The footer sits outside #main (boosted navigation does not
// re-render it), so the page to come back to, `next`, is set to the current page when the
// form is sent; the server leaves it empty (set_language then uses the Referer). The form is
// not boosted, so the whole page (top bar and player too) reloads in the new language, and
// the music goes on where it was (player/resume.js). There is no submit-on-change: moving
// through the options with the keyboard must not reload the page (WCAG 3.2.2); the button
// sends the choice.

import { requestResume } from "../player/resume.js";

export function mount(form) {
  const next = form.querySelector("input[name=next]");
  const onSubmit = () => {
    if (next) next.value = window.location.pathname + window.location.search;
    requestResume();
  };
  form.addEventListener("submit", onSubmit);
  return () => form.removeEventListener("submit", onSubmit);
}
