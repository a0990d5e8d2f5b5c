// Dragging a list's rows by their handle: HTML5 drag and drop for a mouse, pointer events
// for touch and pens (which HTML5 drag and drop serves badly). The rows move under the
// pointer; on release the reorderer saves the new place, or the row goes back. A playlist's
// rows by default; the player's "Up next" panel passes its own row and handle selectors.
//
// `reorderer`: rows() (in page order), place(row, index) (put back), settled(row) (dropped
// at a new place), refreshButtons().

const ROW = "li.track-row";
const HANDLE = ".drag-handle";

/** Wires dragging on `list`; answers a function that unwires it. */
export function enableDrag(
  list,
  reorderer,
  { row: ROW_SELECTOR = ROW, handle: HANDLE_SELECTOR = HANDLE } = {},
) {
  let dragged = null;
  let startIndex = -1;
  let dropped = false;

  const begin = (row) => {
    dragged = row;
    startIndex = reorderer.rows().indexOf(row);
    dropped = false;
    row.classList.add("is-dragging");
    list.classList.add("is-sorting");
  };

  const follow = (clientY, target) => {
    const over = target instanceof Element ? target.closest(ROW_SELECTOR) : null;
    if (!dragged || !over || over === dragged || over.parentElement !== list) return;
    const rect = over.getBoundingClientRect();
    const after = clientY > rect.top + rect.height / 2;
    list.insertBefore(dragged, after ? over.nextElementSibling : over);
  };

  const finish = () => {
    if (!dragged) return;
    const row = dragged;
    dragged = null;
    row.classList.remove("is-dragging");
    row.removeAttribute("draggable");
    list.classList.remove("is-sorting");
    const index = reorderer.rows().indexOf(row);
    if (dropped && index !== startIndex) {
      reorderer.refreshButtons();
      reorderer.settled(row);
    } else {
      reorderer.place(row, startIndex);
    }
  };

  // --- Mouse: HTML5 drag and drop, started from the handle only ------------------------------
  const onMouseDown = (event) => {
    const handle = event.target instanceof Element ? event.target.closest(HANDLE_SELECTOR) : null;
    if (handle) handle.closest(ROW_SELECTOR)?.setAttribute("draggable", "true");
  };
  const onDragStart = (event) => {
    const row = event.target instanceof Element ? event.target.closest(ROW_SELECTOR) : null;
    if (!row || row.getAttribute("draggable") !== "true") return;
    begin(row);
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.trackId || "");
  };
  const onDragOver = (event) => {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    follow(event.clientY, event.target);
  };
  const onDrop = (event) => {
    if (!dragged) return;
    event.preventDefault();
    dropped = true;
  };
  const onDragEnd = () => finish();

  // --- Touch and pen: pointer events on the handle ---------------------------------------
  const onPointerDown = (event) => {
    if (event.pointerType === "mouse") return;
    const handle = event.target instanceof Element ? event.target.closest(HANDLE_SELECTOR) : null;
    const row = handle?.closest(ROW_SELECTOR);
    if (!row) return;
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    begin(row);
  };
  const onPointerMove = (event) => {
    if (!dragged || event.pointerType === "mouse") return;
    follow(event.clientY, document.elementFromPoint(event.clientX, event.clientY));
  };
  const onPointerUp = (event) => {
    if (!dragged || event.pointerType === "mouse") return;
    dropped = event.type === "pointerup";
    finish();
  };

  const listeners = [
    ["mousedown", onMouseDown],
    ["dragstart", onDragStart],
    ["dragover", onDragOver],
    ["drop", onDrop],
    ["dragend", onDragEnd],
    ["pointerdown", onPointerDown],
    ["pointermove", onPointerMove],
    ["pointerup", onPointerUp],
    ["pointercancel", onPointerUp],
  ];
  for (const [name, listener] of listeners) list.addEventListener(name, listener);
  return () => {
    for (const [name, listener] of listeners) list.removeEventListener(name, listener);
  };
}
