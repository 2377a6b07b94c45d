import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDriftHtml } from '../controller/render/render-drift-html.js';
import { HeadlessChromium, requireChromium } from './support/headless-chromium.js';
import { HOSTILE_DRIFT_NAME, hostileDriftReport, sampleDriftReport } from './support/sample-drift-report.js';

const ARTIFACTS = resolve('test-artifacts');
const chromiumPath = requireChromium();

// The HTML drift report in Debian's headless Chromium: the matrix renders with the right cell
// states and colours, a click drills down to the field diff, the filters work, the page makes
// no network request, and hostile names stay text. A screenshot is kept in test-artifacts/.
describe('drift html report in headless chromium', () => {
  let browser: HeadlessChromium;
  let dir: string;
  let beacon: Server;
  let beaconHits: string[];
  let beaconUrl: string;

  beforeAll(async () => {
    browser = HeadlessChromium.start(chromiumPath);
    dir = mkdtempSync(join(tmpdir(), 'clusterext-drift-html-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    beaconHits = [];
    beacon = createServer((req, res) => {
      beaconHits.push(req.url ?? '');
      res.end('pwned');
    });
    await new Promise<void>((ok) => beacon.listen(0, '127.0.0.1', ok));
    beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}/beacon`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => beacon?.close(ok));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(html: string, name: string) {
    const file = join(dir, name);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const page = await browser.newPage();
    const loaded = browser.waitFor((e) => e.method === 'Page.loadEventFired' && e.sessionId === page.sessionId);
    await page.send('Page.navigate', { url });
    await loaded;
    const evaluate = async <T>(expression: string): Promise<T> => {
      const result = (await page.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T }; exceptionDetails?: unknown };
      if (result.exceptionDetails) throw new Error(`evaluation failed: ${JSON.stringify(result.exceptionDetails)}`);
      return result.result.value;
    };
    /** A real mouse click at the centre of the element, as a user makes it. */
    const click = async (selector: string) => {
      const box = await evaluate<{ x: number; y: number } | null>(
        `(() => { const el = document.querySelector(${JSON.stringify(selector)}); if (!el) return null; el.scrollIntoView({ block: 'center' }); const r = el.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
      );
      if (!box) throw new Error(`nothing matches ${selector}`);
      for (const type of ['mousePressed', 'mouseReleased']) await page.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    };
    const events = (method: string) => browser.events.filter((e) => e.sessionId === page.sessionId && e.method === method);
    return { url, page, evaluate, click, events };
  }

  it('renders the matrix by state, drills down to a field diff on click, filters, and makes no network request', async () => {
    const { url, page, evaluate, click, events } = await open(renderDriftHtml(sampleDriftReport()), 'drift.html');

    const matrix = await evaluate<[string, string[]][]>(
      `[...document.querySelectorAll('#matrix tbody tr')].map((tr) => [tr.dataset.cluster, [...tr.querySelectorAll('td.cell')].map((td) => td.dataset.state + ' ' + td.textContent.trim().split(' ')[0])])`,
    );
    expect(matrix).toEqual([
      ['dev-eu', ['absent -', 'absent -', 'absent -', 'in-sync in-sync', 'drifted drifted', 'drifted drifted']],
      ['prod-eu', ['error error', 'foreign foreign', 'orphaned orphaned', 'missing missing', 'absent -', 'failed failed']],
      ['prod-us', ['unreachable unreachable']],
    ]);
    // Coloured by state: every state its own background, the legend's swatch the same as its cells.
    const colours = await evaluate<Record<string, string>>(
      `Object.fromEntries([...document.querySelectorAll('#matrix td.cell')].map((td) => [td.dataset.state, getComputedStyle(td).backgroundColor]))`,
    );
    expect(Object.keys(colours)).toHaveLength(9);
    expect(new Set(Object.values(colours)).size).toBe(9);
    const legend = await evaluate<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll('#legend .swatch')].map((s) => [s.textContent, getComputedStyle(s).backgroundColor]))`);
    expect(legend.drifted).toBe(colours.drifted);
    expect(legend.unreachable).toBe(colours.unreachable);
    expect(colours.drifted).toBe('rgb(255, 248, 197)');

    // No drill-down open until a cell is clicked.
    expect(await evaluate<number>(`[...document.querySelectorAll('article.detail')].filter((a) => !a.hidden).length`)).toBe(0);
    await click('tr[data-cluster="dev-eu"] td:nth-of-type(6) button');
    const shown = await evaluate<{ title: string; rows: string[][] }[]>(
      `[...document.querySelectorAll('article.detail')].filter((a) => !a.hidden && a.offsetParent !== null).map((a) => ({ title: a.querySelector('h2').textContent, rows: [...a.querySelectorAll('table.fields tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent)) }))`,
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('drifted dev-eu / web');
    expect(shown[0]!.rows).toContainEqual(['Deployment "web/web" apps/v1', '/spec/template/spec/containers/0/image', '"ghcr.io/stefanprodan/podinfo:6.9.2"', '"ghcr.io/stefanprodan/podinfo:6.9.1"']);
    expect(shown[0]!.rows).toContainEqual(['ConfigMap "web/web-config" v1', '/data/greeting', '"hello"', '"hello by hand"']);
    expect(shown[0]!.rows).toContainEqual(['Service "web/web" v1', 'missing: deleted from the cluster']);
    const screenshot = (await page.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as { data: string };
    writeFileSync(join(ARTIFACTS, 'drift-report.png'), Buffer.from(screenshot.data, 'base64'));

    // Filter by state: without "drifted" those cells are blanked; by text: only what mentions it.
    await click('input[name="state"][value="drifted"]');
    const filtered = () => evaluate<string[]>(`[...document.querySelectorAll('#matrix tr:not([hidden]) td.cell:not(.filtered)')].map((td) => td.closest('tr').dataset.cluster + ':' + td.dataset.state)`);
    await expect.poll(async () => (await filtered()).filter((c) => c.endsWith(':drifted')), { timeout: 5000 }).toEqual([]);
    expect(await filtered()).toContain('dev-eu:in-sync');
    await click('input[name="state"][value="drifted"]');
    await click('#filter-text');
    await page.send('Input.insertText', { text: 'containers/0/image' });
    // Input events reach the page's script asynchronously: poll briefly.
    await expect.poll(filtered, { timeout: 5000 }).toEqual(['dev-eu:drifted']);
    expect(await evaluate<string>(`document.getElementById('shown').textContent`)).toBe('1 cell shown');

    const requests = events('Network.requestWillBeSent').map((e) => (e.params.request as { url: string }).url);
    expect(requests).toEqual([url]);
    expect(events('Runtime.exceptionThrown')).toEqual([]);
    // A script or style the policy blocked (ours, if its hash were wrong) is logged as an error.
    expect(events('Log.entryAdded').filter((e) => (e.params.entry as { level: string }).level === 'error')).toEqual([]);
  });

  it('shows a hostile name as text: no script runs, nothing loads', async () => {
    const { url, evaluate, events } = await open(renderDriftHtml(hostileDriftReport(beaconUrl)), 'hostile.html');
    const heads = await evaluate<string[]>(`[...document.querySelectorAll('#matrix tbody th')].map((th) => th.textContent)`);
    const shownName = `${HOSTILE_DRIFT_NAME.replace('\r', '\\r').replace('\n', '\\n').replace('\u001b', '\\u{1b}')}<img src="${beaconUrl}">`;
    expect(heads).toEqual([`down-${shownName}`, shownName]);
    expect(await evaluate<number>(`document.querySelectorAll('script').length + document.querySelectorAll('img, link, iframe').length`)).toBe(1);
    expect(events('Page.javascriptDialogOpening')).toEqual([]);
    expect(events('Network.requestWillBeSent').map((e) => (e.params.request as { url: string }).url)).toEqual([url]);
    expect(beaconHits).toEqual([]);
  });
});
