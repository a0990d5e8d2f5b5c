// The listening heat map in the reader's own time zone: the server reads the `tz` cookie
// (an IANA name, e.g. "Europe/Paris"); this sets it from the browser and, when the map was
// drawn for another zone (the first visit, a trip), fetches it again for this one.

const COOKIE = "tz";
const ONE_YEAR = 365 * 24 * 60 * 60;
// Asked once a page load: a zone the server does not know comes back as UTC, not again.
const asked = new Set();

export function mount(section) {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return undefined;
  }
  if (!zone || zone === section.dataset.zone || asked.has(zone)) return undefined;
  asked.add(zone);
  // IANA names are letters, digits and "/_+-": a cookie value as they are.
  document.cookie = `${COOKIE}=${zone}; path=/; max-age=${ONE_YEAR}; SameSite=Lax`;
  if (!window.htmx) return undefined;
  const url = new URL(window.location.href);
  url.searchParams.set("tz", zone);
  url.searchParams.delete("page");
  window.htmx.ajax("GET", url.pathname + url.search, {
    target: `#${section.id}`,
    select: `#${section.id}`,
    swap: "outerHTML",
  });
  return undefined;
}
