// annlab's service worker: the app works offline after its first load.
//
// What to cache comes from the build: scripts/sw-manifest.sh (a Trunk post_build hook) replaces
// BUILD with a hash of every file in dist/ and FILES with their paths, so the file names Trunk
// hashes are known here, and any change to any file gives a new sw.js, hence a new version.
// Without the hook (BUILD keeps its placeholder) the worker caches what the page fetches, and the page
// posts the URLs it loaded before the worker took control (see index.html).
const BUILD = '__ANNLAB_BUILD__';
const FILES = [/*__ANNLAB_FILES__*/];
const PREFIX = 'annlab-';
const CACHE = `${PREFIX}${BUILD}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(['./', ...FILES]);
      // The first version takes over at once; a later one waits until the page asks
      // (the update banner), so a running page never mixes two builds.
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const msg = event.data ?? {};
  if (msg.type === 'skip-waiting') {
    self.skipWaiting();
  } else if (msg.type === 'cache-urls' && Array.isArray(msg.urls)) {
    event.waitUntil(cacheMissing(msg.urls));
  }
});

async function cacheMissing(urls) {
  const cache = await caches.open(CACHE);
  for (const url of urls) {
    if (!sameOrigin(url) || isSelf(url) || (await cache.match(url))) continue;
    try {
      const response = await fetch(url);
      if (response.ok) await cache.put(url, response);
    } catch {
      // Offline already: nothing to add.
    }
  }
}

function sameOrigin(url) {
  return new URL(url, self.location.href).origin === self.location.origin;
}

function isSelf(url) {
  return new URL(url, self.location.href).pathname === new URL(self.location.href).pathname;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !sameOrigin(request.url) || isSelf(request.url)) return;
  event.respondWith(respond(request));
});

// Cache first: every file of one build comes from that build's cache; what the build did not
// list is fetched once and kept.
async function respond(request) {
  const cache = await caches.open(CACHE);
  const navigation = request.mode === 'navigate';
  const cached = navigation
    ? (await cache.match(request, { ignoreSearch: true })) ??
      (await cache.match(new URL('./', self.registration.scope).href))
    : await cache.match(request);
  if (cached) return servable(cached);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch {
    return new Response('annlab is offline and this file was never cached', {
      status: 503,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  }
}

// A cached response keeps the server's headers (COOP/COEP/CORP, so the page stays
// cross-origin isolated offline). A redirected one cannot answer a navigation: it is rebuilt
// with the same body and headers.
function servable(response) {
  if (!response.redirected) return response;
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
}
