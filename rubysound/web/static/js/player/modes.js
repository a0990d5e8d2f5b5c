// Shuffle and repeat: the order tracks play in, and the listener's choice, kept in
// localStorage so it holds on every page and the next visit.

const MODES_KEY = "rubysound-player-modes";
export const REPEAT_MODES = ["off", "all", "one"];

export function loadModes() {
  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(MODES_KEY) || "null");
  } catch {
    saved = null;
  }
  return {
    shuffle: Boolean(saved && saved.shuffle === true),
    repeat: saved && REPEAT_MODES.includes(saved.repeat) ? saved.repeat : "off",
  };
}

export function saveModes(modes) {
  try {
    localStorage.setItem(
      MODES_KEY,
      JSON.stringify({ shuffle: modes.shuffle, repeat: modes.repeat }),
    );
  } catch {
    // Storage blocked or full: the choice lasts for this page.
  }
}

/** off → all → one → off, as the repeat button cycles. */
export function nextRepeat(mode) {
  const at = REPEAT_MODES.indexOf(mode);
  return REPEAT_MODES[(at + 1) % REPEAT_MODES.length];
}

/**
 * Queue indexes in the order they play: the list's own order, or, shuffled, `current`
 * first and every other track once in a random order (Fisher-Yates).
 */
export function playOrder(length, current, shuffle) {
  const order = Array.from({ length }, (_, i) => i);
  if (!shuffle || length < 2) return order;
  const start = current >= 0 && current < length ? current : 0;
  const rest = order.filter((i) => i !== start);
  for (let i = rest.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [start, ...rest];
}
