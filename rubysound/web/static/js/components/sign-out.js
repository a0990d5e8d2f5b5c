// The top bar's "Sign out" form: a full page load (the session ends), after which the music
// goes on anonymously (player/resume.js). Every library track streams to anonymous listeners
// too; a track that would not (a private upload, say) stops with the player's own message.

import { requestResume } from "../player/resume.js";

export function mount(form) {
  form.addEventListener("submit", requestResume);
  return () => form.removeEventListener("submit", requestResume);
}
