// The arrow keys, Home and End in a list of choices (the track menu's items, the search
// box's suggestions): both lists wrap round at their ends, as the WAI-ARIA menu and
// listbox patterns suggest.

/** The index `key` moves to from `index` (-1: nothing chosen yet) in a list of `count`,
 * or null when the key is no move or the list is empty. */
export function movedIndex(key, index, count) {
  if (!count) return null;
  switch (key) {
    case "ArrowDown":
      return index + 1 >= count ? 0 : index + 1;
    case "ArrowUp":
      return index <= 0 ? count - 1 : index - 1;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
