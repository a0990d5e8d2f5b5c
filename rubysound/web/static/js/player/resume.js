// Playback across the few full page loads the app makes on purpose (changing the language,
// signing out): the page that starts one asks for a resume, and the player (player.js), which
// saves its queue and position for the tab on every page hide, then goes on playing where it
// was instead of coming back paused. An ordinary reload still comes back paused.

const RESUME_KEY = "rubysound-player-resume";

/** Called just before a full page load that should not stop the music. */
export function requestResume() {
  try {
    sessionStorage.setItem(RESUME_KEY, "1");
  } catch {
    // Storage blocked: the bar comes back paused where it was.
  }
}

/** True once after requestResume() (the flag is used up). */
export function takeResume() {
  try {
    const asked = sessionStorage.getItem(RESUME_KEY) === "1";
    sessionStorage.removeItem(RESUME_KEY);
    return asked;
  } catch {
    return false;
  }
}
