// One /ws/notifications/ socket per page, shared by everything that listens to it: the top
// bar's unread badge, the notifications list on /profile/, the owner's likes count on their
// public profile. The socket runs while at least one listener is subscribed.
//
// Modules are loaded once per document, so every component that imports this file gets the
// same feed.

import { LiveSocket } from "./live-socket.js";

const listeners = new Set();
let socket = null;
let state = "closed";

function each(method, ...args) {
  for (const listener of [...listeners]) {
    try {
      listener[method]?.(...args);
    } catch (error) {
      console.error(error);
    }
  }
}

function start() {
  socket = new LiveSocket("/ws/notifications/", {
    onMessage: (message) => each("onMessage", message),
    onOpen: (isReconnect) => each("onOpen", isReconnect),
    onStatus(newState) {
      state = newState;
      each("onStatus", newState);
    },
  });
  socket.start();
}

/**
 * Listens to the signed-in user's notifications. `listener` may have
 *   onMessage(message)    every frame (`type`: playlist_like, notifications_read, ...)
 *   onOpen(isReconnect)   after each (re)connection: a reconnect may have missed messages
 *   onStatus(state)       "connecting" | "open" | "reconnecting" | "closed"; called at once
 *                         with the current state
 * Returns the function that stops listening (the last one out closes the socket).
 */
export function subscribe(listener) {
  listeners.add(listener);
  if (socket === null) start();
  else listener.onStatus?.(state);
  return () => {
    if (!listeners.delete(listener)) return;
    if (listeners.size === 0 && socket !== null) {
      const closing = socket;
      socket = null;
      closing.stop();
      state = "closed";
    }
  };
}
