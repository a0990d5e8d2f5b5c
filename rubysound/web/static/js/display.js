// Small helpers for putting server and user data on a page safely and in the page's language.
//
// The app's one date/time formatter and one duration formatter live here: every time and every
// length on a page goes through them, whether the server rendered it or a script added it.

/** A site path or http(s) URL safe for an href or src, else "". */
export function safeUrl(value) {
  if (typeof value !== "string" || value === "") return "";
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
  } catch {
    return "";
  }
}

const dateTimeFormats = new Map();

/** Date and time, medium and short, in the page's language (the `lang` of <html>). */
export function dateTimeFormat() {
  const language = document.documentElement.lang || "en";
  if (!dateTimeFormats.has(language)) {
    dateTimeFormats.set(
      language,
      new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }),
    );
  }
  return dateTimeFormats.get(language);
}

/** A moment (Date or ISO 8601 string) for display in the reader's language and time zone;
 * "" when it is not a date. */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : dateTimeFormat().format(date);
}

/** Seconds as m:ss (h:mm:ss from an hour). Whole seconds, rounded down: the rule of the
 * server's `duration` filter (web_tags.py), so a list and the player agree; "" when unknown. */
export function formatDuration(seconds) {
  const value = Number(seconds);
  if (seconds === null || seconds === "" || !Number.isFinite(value) || value < 0) return "";
  const total = Math.floor(value);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** Gives every server-rendered `<time data-display="datetime">` under `root` its text from
 * formatDateTime: the server writes a plain UTC fallback for pages without scripts. */
export function localizeTimes(root) {
  if (!(root instanceof Element)) return;
  const times = root.matches('time[data-display="datetime"]') ? [root] : [];
  times.push(...root.querySelectorAll('time[data-display="datetime"]'));
  for (const time of times) {
    const text = formatDateTime(time.dateTime);
    if (text) time.textContent = text;
  }
}
