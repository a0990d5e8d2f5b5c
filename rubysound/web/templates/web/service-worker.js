// RubySound's service worker (rendered by rubysound/web/views/pwa.py; served at /service-worker.js).
//
// What it keeps: static assets only (CSS, JS, htmx, images under the static URL), cache-first,
// and the offline page. What it never keeps: pages (they carry CSRF tokens and user data), API
// answers, audio and media. Navigations go to the network; when it cannot be reached, the
// offline page is shown instead.
"use strict";

const CONFIG = {{ config }};
const CACHE = `rubysound-static-${CONFIG.version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Fetched afresh and without cookies: the offline page must never be anyone's page.
      await cache.addAll(
        [CONFIG.offlineUrl, ...CONFIG.precache].map(
          (url) => new Request(url, { cache: "reload", credentials: "omit" }),
        ),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("rubysound-") && name !== CACHE)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

function isStaticAsset(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.staticPrefix);
}

function cacheable(response) {
  if (!response || !response.ok || response.status !== 200 || response.type !== "basic") {
    return false;
  }
  const type = (response.headers.get("Content-Type") || "").toLowerCase();
  // Belt and braces: whatever the URL, an HTML page, audio or video is never stored.
  return !type.startsWith("text/html") && !type.startsWith("audio/") && !type.startsWith("video/");
}

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (cacheable(response)) {
    await cache.put(request, response.clone());
  }
  return response;
}

async function fromNetworkOrOffline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const offline = await caches.match(CONFIG.offlineUrl, { cacheName: CACHE });
    if (offline) return offline;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.has("Range")) return;
  if (request.mode === "navigate") {
    event.respondWith(fromNetworkOrOffline(request));
    return;
  }
  const url = new URL(request.url);
  if (isStaticAsset(url)) {
    event.respondWith(fromCacheFirst(request));
  }
  // Everything else (API calls, htmx page fetches, audio, media) is the browser's business.
});
