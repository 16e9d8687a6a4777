// 扶助オン資 service worker: keeps the app shell (this build's files: every bundle's page,
// WebAssembly, JS and CSS) in the browser's cache so that, offline, a reload of any app
// route still shows the app, with the page of the bundle that shows that route.
//
// This file is a template: scripts/sw-manifest.sh (a Trunk post_build hook) writes
// dist/sw.js from it, filling in the build's version and file list. Never edit dist/sw.js.
//
// Updates: a new build means a new sw.js; the browser installs it and it WAITS. The app
// shows 「新しいバージョンがあります」; pressing 再読み込み posts SKIP_WAITING, this worker
// activates, and the page reloads on controllerchange. Nothing is loaded from elsewhere.
'use strict';

const VERSION = '__ONSHI_VERSION__';
const CACHE_PREFIX = 'onshi-shell-';
const CACHE = CACHE_PREFIX + VERSION;
const SCOPE_PATH = new URL(self.registration.scope).pathname; // "/" with public_url "/"

// The bundle of each app route, the same table as domain::bundle::Bundle::for_path (the
// server's); tests/e2e/app_bundles.test.mjs checks the two agree.
// bundle-table-start
const OFFICE_TOOLS = ['/office/screening', '/office/health-import', '/office/claims'];
const PRINT_OR_VISITS = /^\/office\/(tickets\/[^/]+\/print|recipients\/[^/]+\/(notice|visits))\/?$/;
const OFFICE_FORMS = ['/office/recipients/new', '/office/renew', '/office/closed-days'];
const FORM = /^\/office\/(recipients\/[^/]+\/(edit|tickets\/new)|tickets\/[^/]+\/edit)\/?$/;
function bundleFor(path) {
  const under = (prefix) => path === prefix || path.startsWith(prefix + '/');
  if (under('/clinic/roster') || under('/clinic/today')) return 'reception-lists';
  if (under('/clinic')) return 'reception';
  if (under('/me')) return 'portal';
  if (OFFICE_TOOLS.some(under) || PRINT_OR_VISITS.test(path)) return 'office-tools';
  if (OFFICE_FORMS.some(under) || FORM.test(path)) return 'office-forms';
  if (under('/office')) return 'office';
  if (under('/operator')) return 'operator';
  return 'signin';
}
// bundle-table-end

// The cached page of an app route (`/office/recipients/3` → `/office.html`).
function pageFor(url) {
  const path = '/' + url.pathname.slice(SCOPE_PATH.length);
  return SCOPE_PATH + bundleFor(path) + '.html';
}
const PRECACHE = [
  // __ONSHI_PRECACHE__
];
const PRECACHED = new Set(PRECACHE);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // cache: 'reload' skips the HTTP cache, so a stale copy never enters the shell.
      cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' })))
    )
  );
  // No skipWaiting() here: the running page decides when to switch (see the header).
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE)
            .map((key) => caches.delete(key))
        )
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') {
    self.skipWaiting();
  }
});

function isApi(url) {
  return url.pathname.startsWith(SCOPE_PATH + 'api/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isApi(url)) return; // the API is never cached

  if (request.mode === 'navigate') {
    // Each app route is its bundle's page: answer with this version's page, from the cache
    // first so that it works offline and matches the cached scripts.
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(pageFor(url)))
        .then((cached) => cached || fetch(request))
    );
    return;
  }

  if (PRECACHED.has(url.pathname)) {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(url.pathname))
        .then((cached) => cached || fetch(request))
    );
  }
});
