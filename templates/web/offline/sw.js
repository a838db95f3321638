/* TTR Gestion — service worker: keeps the counter (/comptoir) usable without a network.
   Network first, the cache as a fallback: a new version of a page reaches the phone as soon as it is online.
   Only the counter shell and its files are kept; the figures live in IndexedDB (comptoir.js), and a logout
   clears both (Clear-Site-Data, and app.js). No page with figures in it is ever stored here. */
const CACHE = "ttr-comptoir-v1";
const SHELL = ["/comptoir", "/comptoir.js", "/app.js", "/style.css", "/icone.svg", "/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

function shellPath(url) {
  return SHELL.includes(url.pathname) ? url.pathname : null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // actions go to the network; comptoir.js queues them when it fails
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {  // content-hashed names never change: the cache first
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
      return response;
    })));
    return;
  }
  const kept = shellPath(url);
  if (kept) {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((c) => c.put(kept, copy));
      }
      return response;
    }).catch(() => caches.match(kept)));
    return;
  }
  if (request.mode === "navigate") {  // any page opened without a network: the counter
    event.respondWith(fetch(request).catch(() => caches.match("/comptoir")));
  }
});
