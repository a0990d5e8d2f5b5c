// The top bar's notifications link with its unread badge, kept live.
//
// It sits outside #main, so it is mounted once per full page load and lives across boosted
// navigation. Every notification message carries the new `unread_count`; after each
// (re)connection the count is fetched again, since messages may have been missed meanwhile.
//
// The fetch and the live messages race: a fetch answer may have been read from the database
// before a message that arrives ahead of it (say "all read" from another tab), and showing it
// would put a stale count back for good. So every live count bumps `version`, and a fetch
// answer is shown only when no live count (and no later fetch) came since it was asked for.
// The messages that follow the socket's opening carry totals computed after their change, so
// the newest of them is at least as fresh as anything the fetch could say.

import { apiFetch } from "../api.js";
import { subscribe } from "../notification-feed.js";

export function mount(link) {
  const badge = link.querySelector("[data-unread-count]");
  const labelNone = link.dataset.labelNone || "";
  const labelSome = link.dataset.labelSome || "";

  function show(count) {
    if (!Number.isInteger(count) || count < 0) return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
    link.dataset.unread = String(count);
    link.setAttribute(
      "aria-label",
      count === 0 ? labelNone : labelSome.replace("%(count)s", String(count)),
    );
  }

  let version = 0;

  async function refresh() {
    const asked = ++version;
    try {
      const data = await apiFetch("/api/notifications/?unread=true&page_size=1");
      if (asked === version) show(data.unread_count);
    } catch {
      // The next message brings the count.
    }
  }

  const initial = Number.parseInt(badge.textContent, 10);
  link.dataset.unread = String(Number.isInteger(initial) ? initial : 0);

  return subscribe({
    onMessage(message) {
      if (typeof message.unread_count !== "number") return;
      version += 1; // any fetch under way is older than this
      show(message.unread_count);
    },
    // Anything that happened between the page's rendering (or the last connection) and
    // now came with no message: read the count once the stream is running.
    onOpen: () => refresh(),
    onStatus(state) {
      link.dataset.live = state;
    },
  });
}
