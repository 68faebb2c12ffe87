// Embed mode: www/embed-example.html on one origin embeds two widgets served from another
// origin, neither with COOP/COEP (as a documentation site and a static host would serve them).
// Both widgets must compute recall, memory and latency, post their heights to the host page,
// register no service worker, and nothing may leave localhost. A slider picks a measured point
// without a rebuild; a compression change rebuilds. One widget is shot at 400 px wide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve } from './server.mjs';
import { dist, browser, artifacts, assertLocalOnly } from './harness.mjs';

const WIDGETS = ['netflix-lvq8', 'sift-l2'];
// Two widgets build at once on a machine's shared cores.
const EMBED_TIMEOUT = 300_000;

let app;
let host;
let appOrigin;
let hostOrigin;

before(async () => {
  app = await serve(dist, 0, { isolated: false });
  host = await serve(dist, 0, { isolated: false });
  appOrigin = `http://127.0.0.1:${app.address().port}`;
  // Another host name as well as another port: the widgets are cross-site, as on a docs site.
  hostOrigin = `http://localhost:${host.address().port}`;
});

after(() => {
  app?.close();
  host?.close();
});

async function figures(frame, id) {
  const read = async (testid) => {
    const el = frame.getByTestId(`embed-${id}-${testid}`);
    return { text: (await el.innerText()).trim(), value: await el.getAttribute('data-value') };
  };
  return {
    recall: await read('recall'),
    memory: await read('memory'),
    latency: await read('latency'),
    qps: await read('qps'),
  };
}

function assertFigures(f, label) {
  assert.ok(Number(f.recall.value) > 0.5, `${label}: recall ${JSON.stringify(f.recall)}`);
  assert.ok(Number(f.memory.value) > 0, `${label}: memory ${JSON.stringify(f.memory)}`);
  assert.match(f.memory.text, /\d (KiB|MiB)$/, `${label}: memory text`);
  assert.match(f.latency.text, /^(< )?\d+(\.\d)? µs$/, `${label}: latency ${f.latency.text}`);
  assert.ok(!/^0(\.0*)? µs$/.test(f.latency.text), `${label}: a 0 µs latency`);
  assert.ok(Number(f.qps.value) > 0, `${label}: qps`);
}

test('two cross-origin embeds without COOP/COEP build, report heights, stay local', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${hostOrigin}/embed-example.html?app=${encodeURIComponent(`${appOrigin}/`)}`);

  const frames = {};
  for (const id of WIDGETS) {
    const handle = await page.locator(`iframe#${id}`).elementHandle();
    frames[id] = await handle.contentFrame();
    assert.ok(frames[id].url().startsWith(`${appOrigin}/?embed&id=${id}#v=1&data=sample:`), frames[id].url());
  }
  for (const id of WIDGETS) {
    const frame = frames[id];
    for (const kind of ['hnsw', 'svs']) {
      await frame.waitForFunction(
        (kind) => document.querySelector(`[data-testid="embed-${kind}-recall"]`)?.dataset.value,
        kind,
        { timeout: EMBED_TIMEOUT },
      );
    }
    await frame.getByTestId('embed-progress').waitFor({ state: 'detached', timeout: 60_000 });
    for (const kind of ['hnsw', 'svs']) {
      const f = await figures(frame, kind);
      console.log(`# ${id} ${kind}: recall ${f.recall.text}, memory ${f.memory.text}, p50 ${f.latency.text}, QPS ${f.qps.text}`);
      assertFigures(f, `${id} ${kind}`);
    }
    assert.equal(await frame.evaluate(() => globalThis.crossOriginIsolated), false);
    assert.equal(await frame.evaluate(() => window.top !== window), true);
    // A third-party frame may be refused service workers outright (Chromium's default here).
    const registrations = await frame.evaluate(async () => {
      if (!('serviceWorker' in navigator)) return 'none';
      try {
        return (await navigator.serviceWorker.getRegistrations()).length;
      } catch (e) {
        return `refused: ${e.message}`;
      }
    });
    console.log(`# ${id}: service worker registrations in the frame: ${registrations}`);
    assert.ok(registrations === 0 || typeof registrations === 'string', `${id}: a service worker registered`);
  }
  assert.equal(context.serviceWorkers().length, 0, 'no service worker in the context');

  // The preset came from the URL: LVQ8 on netflix; L2 on SIFT.
  const netflix = frames['netflix-lvq8'];
  assert.equal(await netflix.getByTestId('embed-compression').inputValue(), 'LVQ8');
  assert.equal(await netflix.getByTestId('embed-hnsw-value').innerText(), '20');
  const at = async (kind) => (await netflix.getByTestId(`embed-${kind}-at`).innerText()).replace(/\u200b/g, '');
  assert.equal(await at('svs'), 'SEARCH_WINDOW_SIZE 20');

  // Heights: each widget posted its own, and the host sized its frame to the last one.
  await page.waitForFunction(
    (ids) => ids.every((id) => window.heights.some((h) => h.id === id && h.frame === id)),
    WIDGETS,
  );
  const heights = await page.evaluate(() => window.heights);
  console.log(`# height messages: ${heights.map((h) => `${h.id}=${h.height}`).join(', ')}`);
  for (const id of WIDGETS) {
    const last = heights.filter((h) => h.id === id).at(-1);
    assert.ok(last.height > 200, `${id}: height ${last.height}`);
    const frameHeight = await page.locator(`iframe#${id}`).evaluate((f) => f.getBoundingClientRect().height);
    assert.ok(Math.abs(frameHeight - last.height) <= 1, `${id}: frame ${frameHeight} vs message ${last.height}`);
    const fits = await frames[id].evaluate(() => ({
      scroll: document.documentElement.scrollHeight,
      view: window.innerHeight,
    }));
    assert.ok(fits.scroll <= fits.view + 1, `${id}: content taller than its frame ${JSON.stringify(fits)}`);
  }

  // A slider picks another measured point: no rebuild, the figure's runtime follows.
  const slider = netflix.getByTestId('embed-hnsw');
  await slider.focus();
  await slider.press('ArrowRight');
  assert.equal(await netflix.getByTestId('embed-hnsw-value').innerText(), '50');
  assert.equal(await at('hnsw'), 'EF_RUNTIME 50');
  assert.equal(await netflix.getByTestId('embed-progress').count(), 0, 'a slider rebuilt');
  // The link out is the full app (no embed) at the widget's current setup.
  const open = await netflix.getByTestId('embed-open').getAttribute('href');
  assert.ok(open.startsWith(`${appOrigin}/#v=1&data=sample:netflix-2k&`), open);
  assert.match(open, /&ef_runtime=50&/);
  assert.match(open, /&compression=LVQ8&/);

  // A compression change rebuilds SVS-VAMANA's figures (memory drops).
  const sift = frames['sift-l2'];
  const before = await figures(sift, 'svs');
  await sift.getByTestId('embed-compression').selectOption('LVQ4x8');
  await sift.getByTestId('embed-progress').waitFor({ timeout: 10_000 });
  await sift.getByTestId('embed-progress').waitFor({ state: 'detached', timeout: EMBED_TIMEOUT });
  const after = await figures(sift, 'svs');
  console.log(`# sift svs memory: none ${before.memory.text} -> LVQ4x8 ${after.memory.text}`);
  assert.ok(Number(after.memory.value) < Number(before.memory.value), 'LVQ4x8 is not smaller');
  assertFigures(after, 'sift LVQ4x8');

  // One widget at 400 px wide: nothing overflows, then a screenshot to look at.
  await page.locator('iframe#sift-l2').evaluate((f) => (f.style.width = '400px'));
  await page.waitForFunction(() => document.querySelector('iframe#sift-l2').getBoundingClientRect().width === 400);
  await page.waitForTimeout(300);
  const overflow = await sift.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  assert.ok(overflow.scroll <= overflow.width, `400 px: horizontal overflow ${JSON.stringify(overflow)}`);
  await page.locator('iframe#sift-l2').screenshot({ path: join(artifacts, 'embed-400.png') });
  await page.screenshot({ path: join(artifacts, 'embed-host.png'), fullPage: true });

  assertLocalOnly(requests);
  assert.ok(requests.some((u) => u.startsWith(`${appOrigin}/sample/`)), 'the samples came from the app origin');
  assert.deepEqual(errors, []);
  await context.close();
});

test('opened on its own with ?embed, the widget registers no service worker', async () => {
  const context = await browser.newContext({ viewport: { width: 400, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${appOrigin}/?embed&id=solo#v=1&data=sample:siftsmall-2k&metric=L2`);
  await page.getByTestId('embed').waitFor();
  await page.waitForLoadState('load');
  await page.waitForTimeout(1500);
  // First party and top level: only the `embed` key keeps index.html from registering.
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
  assert.equal(context.serviceWorkers().length, 0);
  // The full app on the same origin does register (the contrast).
  await page.goto(`${appOrigin}/`);
  await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistrations()).length === 1, null, {
    timeout: 30_000,
  });
  await context.close();
});
