// A WebSocket to one of our live routes that comes back after a network drop or a server
// restart: reconnects with exponential backoff (with jitter, so a restarted server is not
// hit by every page at the same instant), immediately when the browser comes back online.
//
// Our consumers close with 4401/4403/4404 when the socket can never succeed (not signed
// in, not allowed, nothing there); retrying those would only load the server.

const PERMANENT_CLOSE_CODES = new Set([4401, 4403, 4404]);
// A connection that lived this long was healthy: the next drop starts the backoff afresh.
const STABLE_AFTER_MS = 10_000;

export class LiveSocket {
  /**
   * @param {string} path  site-relative route, e.g. "/ws/notifications/"
   * @param {object} handlers
   *   onMessage(data)  every JSON frame that has a string `type`
   *   onOpen(isReconnect)  after each successful (re)connection
   *   onStatus(state, closeCode)  "connecting" | "open" | "reconnecting" | "closed"
   */
  constructor(path, { onMessage, onOpen, onStatus, minDelayMs = 1000, maxDelayMs = 30_000 } = {}) {
    this.path = path;
    this.onMessage = onMessage || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onStatus = onStatus || (() => {});
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.socket = null;
    this.failures = 0;
    this.openedBefore = false;
    this.stopped = true;
    this.retryTimer = null;
    this.reconnectNow = () => {
      if (!this.stopped && this.socket === null) this.#connect();
    };
  }

  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.reconnectNow);
    this.#connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.reconnectNow);
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.onStatus("closed");
  }

  send(data) {
    if (this.isOpen) this.socket.send(JSON.stringify(data));
  }

  #connect() {
    clearTimeout(this.retryTimer);
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${this.path}`);
    this.socket = socket;
    let openedAt = 0;
    this.onStatus(this.openedBefore ? "reconnecting" : "connecting");

    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      openedAt = Date.now();
      const isReconnect = this.openedBefore;
      this.openedBefore = true;
      this.onStatus("open");
      this.onOpen(isReconnect);
    });

    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && typeof data.type === "string") this.onMessage(data);
    });

    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (PERMANENT_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.onStatus("closed", event.code);
        return;
      }
      if (openedAt && Date.now() - openedAt >= STABLE_AFTER_MS) this.failures = 0;
      const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.failures);
      this.failures += 1;
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      this.onStatus("reconnecting", event.code);
      this.retryTimer = setTimeout(() => this.#connect(), delay);
    });
  }
}
