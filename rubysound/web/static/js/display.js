// Small helpers for putting server and user data on a page safely and in the page's language.

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

/** Date and time, medium and short, in the page's language (the `lang` of <html>). */
export function dateTimeFormat() {
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}
