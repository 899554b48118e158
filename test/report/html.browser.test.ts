/**
 * The HTML report in a real browser: the CLI writes it, headless Chromium opens it, and the test
 * checks that lanes, arrows and the violation marker are drawn, that zoom and filters work, that
 * hostile strings stay text, with no console errors and no network requests.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`). Without it the tests are skipped
 * locally, and fail in CI (when CI is set), so a CI image without the browser cannot pass quietly.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderRunHtml } from '../../src/report/html.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { dsim } from '../support/cli.js';
import { lostFixture, recordRun, staleFixture } from './support.js';

// DSIM_CHROMIUM points elsewhere only to try the skip/fail logic; CI uses the default.
const CHROMIUM = process.env['DSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';
const why = `${CHROMIUM} not found: install it with \`apt-get install -y chromium\` to run the browser tests`;
/** The few DOM shapes the page callbacks touch (the project's tsconfig has no DOM lib). */
interface WithDataset {
  readonly dataset: Record<string, string | undefined>;
  readonly style: { readonly display: string };
}
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> } } | null;
}
const pwned = (): number | undefined => (globalThis as unknown as { __pwned?: number }).__pwned;

if (!available && !inCi) console.warn(`[html.browser.test] SKIPPED: ${why}`);

describe('HTML report in headless Chromium', () => {
  it.runIf(!available && inCi)(`requires ${CHROMIUM} in CI`, () => {
    throw new Error(`${why} (CI is set, so this is a failure, not a skip)`);
  });

  describe.skipIf(!available)(available ? 'rendering' : `rendering (skipped: ${why})`, () => {
    let browser: Browser;
    const dir = mkdtempSync(join(tmpdir(), 'dsim-report-'));
    const reportPath = join(dir, 'out.html');
    const stalePath = join(dir, 'stale.html');

    beforeAll(async () => {
      const r = dsim(['run', lostFixture, '--html', reportPath]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0); // the scenario expects broadcast-delivered to fail, and it does
      const s = dsim(['run', staleFixture, '--html', stalePath]);
      expect(s.stderr).toBe('');
      expect(s.code).toBe(0); // linearizable is expected to break, and does
      // launch() gives every browser a fresh temporary profile (user-data-dir) of its own.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** Opens a report; collects console errors, page errors and every non-file request. */
    async function open(path: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url === pathToFileURL(path).href) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(path).href);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
      return { page, errors, requests };
    }

    const counts = (page: Page): Promise<Record<string, string>> => page.$eval('#canvas', (c) => ({ ...(c as unknown as WithDataset).dataset }) as Record<string, string>);
    const viewOf = async (page: Page): Promise<[number, number]> => (await counts(page))['view']!.split(',').map(Number) as [number, number];
    /** The whole run in view, drawn (a loaded machine draws late). */
    async function fit(page: Page): Promise<number> {
      const end = await page.$eval('#dsim-data', (d) => Math.max(1, Math.round((JSON.parse(d.textContent ?? '') as { meta: { endUs: number } }).meta.endUs)));
      await page.click('#zoom-fit');
      await expect.poll(() => viewOf(page)).toEqual([0, end]);
      return end;
    }

    it('draws lanes, arrows, ops, fault bands and the violation marker, with no errors and no network', async () => {
      const { page, errors, requests } = await open(reportPath);
      // It opens on the violation's evidence (early in the run), not on the whole run.
      const [o0, o1] = await viewOf(page);
      const end = await fit(page);
      expect(o1 - o0).toBeLessThan(end / 2);
      const lanes = await page.$$eval('.lane-label', (els) => els.map((e) => (e as unknown as WithDataset).dataset['lane']));
      expect(lanes).toEqual(['n1', 'n2', 'n3', 'c1', 'c2']);
      const drawn = await counts(page);
      expect(Number(drawn['lanes'])).toBe(5);
      expect(Number(drawn['arrows'])).toBeGreaterThan(50);
      expect(Number(drawn['ops'])).toBeGreaterThan(10);
      expect(Number(drawn['bands'])).toBe(2); // n3's crash and n2's partition
      expect(Number(drawn['violations'])).toBe(1);
      expect(Number(drawn['highlighted'])).toBeGreaterThan(3);
      expect(await page.$$eval('.lane-label.highlighted', (els) => els.length)).toBeGreaterThan(0);
      expect(await page.$eval('tr.check[data-check="broadcast-delivered"]', (e) => (e as unknown as WithDataset).dataset['verdict'])).toBe('fail');
      expect(await page.$$eval('li.violation', (els) => els.map((e) => e.textContent ?? ''))).toEqual([expect.stringContaining('broadcast-delivered')]);
      expect(await page.$$eval('li.evidence-item', (els) => els.length)).toBeGreaterThan(2);

      // Pixels: the violation's red is painted, and the lanes carry ink beyond their background.
      const pixels = await page.$eval('#canvas', (c) => {
        const canvas = c as unknown as CanvasLike;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let red = 0;
        let ink = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if (r > 180 && g < 80 && b < 90) red++;
          if (r + g + b < 600) ink++;
        }
        return { red, ink };
      });
      expect(pixels.red).toBeGreaterThan(300);
      expect(pixels.ink).toBeGreaterThan(5_000);

      // Hovering the marker's label explains the violation.
      const box = (await page.$('#canvas'))!.boundingBox();
      const b = (await box)!;
      await page.mouse.move(b.x + b.width - 24, b.y + 54);
      await expect.poll(() => page.$eval('#tip', (t) => (t as unknown as WithDataset).style.display)).toBe('block');
      expect(await page.$eval('#tip', (t) => t.textContent)).toContain('VIOLATION broadcast-delivered');

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });

    it('zooms with the wheel and buttons, pans by dragging, and filters nodes and message types', async () => {
      const { page, errors } = await open(reportPath);
      const t0 = 0;
      const t1 = await fit(page);
      const view = (): Promise<[number, number]> => viewOf(page);
      const box = (await (await page.$('#canvas'))!.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 120);
      await page.mouse.wheel(0, -600);
      await expect.poll(async () => (await view())[1] - (await view())[0]).toBeLessThan((t1 - t0) / 2);
      const [z0, z1] = await view();
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 - 200, box.y + 120, { steps: 4 });
      await page.mouse.up();
      await expect.poll(async () => (await view())[0]).toBeGreaterThan(z0);
      expect((await view())[1] - (await view())[0]).toBeCloseTo(z1 - z0, -1);
      await page.click('#zoom-fit');
      await expect.poll(view).toEqual([0, t1]);
      await page.click('#zoom-in');
      await expect.poll(async () => (await view())[1] - (await view())[0]).toBeLessThan(t1 * 0.6);
      // The violation here is judged at the end; its evidence (the lost values' broadcasts and
      // drops) lies early in the run, and that is where the button goes.
      await page.click('#zoom-violation');
      await expect.poll(async () => (await view())[1]).toBeLessThan(t1 / 2);
      expect(Number((await counts(page))['highlighted'])).toBeGreaterThan(3);

      await page.click('#zoom-fit');
      // Read the arrow count only once the fitted view is drawn (a loaded machine draws late).
      await expect.poll(view).toEqual([0, t1]);
      const before = Number((await counts(page))['arrows']);
      await page.uncheck('#filter-types input[data-type="gossip"]');
      await expect.poll(async () => Number((await counts(page))['arrows'])).toBeLessThan(before);
      await page.uncheck('#filter-lanes input[data-lane="n3"]');
      await expect.poll(async () => (await counts(page))['lanes']).toBe('4');
      expect(await page.$$eval('.lane-label', (els) => els.map((e) => (e as unknown as WithDataset).dataset['lane']))).toEqual(['n1', 'n2', 'c1', 'c2']);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('explains a linearizability violation: opens on it, labels reads with what they returned, marks the conflicting ops', async () => {
      interface RoleOp { role: string; order: number; label: string; tag: string; x: number; y: number; w: number; h: number }
      const { page, errors, requests } = await open(stalePath);
      const roleOps = async (): Promise<RoleOp[]> => JSON.parse((await counts(page))['roleOps']!) as RoleOp[];
      // Opened on the violation: the ops that explain it are in view.
      await expect.poll(async () => (await roleOps()).map((o) => o.role)).toEqual(expect.arrayContaining(['accepted', 'conflict', 'conflict', 'stuck']));
      const drawn = await roleOps();
      const stuck = drawn.find((o) => o.role === 'stuck')!;
      // The read that cannot follow says what it returned, on its bar or its tag.
      expect(`${stuck.label} ${stuck.tag}`).toContain('read k2 \u2192 12');
      expect(drawn.filter((o) => o.role === 'conflict').map((o) => [o.order, `${o.label} ${o.tag}`])).toEqual([
        [13, expect.stringContaining('write k2 13')],
        [14, expect.stringContaining('write k2 14')],
      ]);
      // Painted: the stuck op's outline is red, the conflicting ops' orange (sampled at the left edge).
      const edge = (o: RoleOp): Promise<number[][]> =>
        page.$eval(
          '#canvas',
          (c, box) => {
            const canvas = c as unknown as CanvasLike & { getBoundingClientRect(): { width: number } };
            const scale = canvas.width / canvas.getBoundingClientRect().width;
            const data = canvas.getContext('2d')!.getImageData(Math.round((box.x - 2) * scale), Math.round((box.y + box.h / 2) * scale), Math.ceil(3 * scale), 1).data;
            const out: number[][] = [];
            for (let i = 0; i < data.length; i += 4) out.push([data[i]!, data[i + 1]!, data[i + 2]!]);
            return out;
          },
          o,
        );
      const near = (pixels: number[][], [r, g, b]: number[]): boolean => pixels.some(([pr, pg, pb]) => Math.abs(pr! - r!) + Math.abs(pg! - g!) + Math.abs(pb! - b!) < 60);
      expect(near(await edge(stuck), [0xd1, 0x24, 0x2f])).toBe(true);
      for (const o of drawn.filter((d) => d.role === 'conflict')) expect(near(await edge(o), [0xe0, 0x7b, 0x00])).toBe(true);

      // The table: the linearization, the op that cannot follow and why.
      expect(await page.$eval('#linearization-title', (e) => e.textContent)).toBe('Why linearizable fails on key k2');
      expect(await page.$$eval('table.linearization tr[data-role]', (els) => els.map((e) => (e as unknown as WithDataset).dataset['role']))).toEqual(['prefix', 'prefix', 'prefix', 'accepted', 'conflict', 'conflict', 'stuck']);
      const why = await page.$eval('tr.lin-stuck', (e) => e.textContent ?? '');
      expect(why).toContain('cannot follow: it needs the state 12, as after #12 (c2 write k2 12); then #13 c1 write k2 13, #14 c2 write k2 14 changed it');

      // Hovering the stuck op explains it, naming the client as its lane does.
      const canvas = (await page.$('#canvas'))!;
      await canvas.scrollIntoViewIfNeeded();
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + stuck.x + stuck.w / 2, box.y + stuck.y + stuck.h / 2);
      await expect.poll(() => page.$eval('#tip', (t) => (t as unknown as WithDataset).style.display)).toBe('block');
      const tip = await page.$eval('#tip', (t) => t.textContent ?? '');
      expect(tip).toContain('c3 read k2 \u2192 12');
      expect(tip).toContain('CANNOT FOLLOW');
      // One name per client: no "p<N>" in the lists a reader scans.
      const lists = await page.$eval('section.summary', (e) => e.textContent ?? '');
      expect(lists).not.toMatch(/\bp\d+\b/);
      expect(await page.$$eval('li.evidence-item', (els) => els.map((e) => e.textContent ?? ''))).toEqual(expect.arrayContaining([expect.stringContaining('c3 read k2 \u2192 12')]));

      // "show" on the stuck row brings it to the middle of the view.
      const [v0, v1] = await viewOf(page);
      await page.click('#zoom-fit');
      await expect.poll(async () => (await viewOf(page))[1] - (await viewOf(page))[0]).toBeGreaterThan(v1 - v0);
      await page.click('tr.lin-stuck button[data-goto]');
      const at = Number(await page.$eval('tr.lin-stuck button[data-goto]', (b) => (b as unknown as WithDataset).dataset['goto']));
      await expect.poll(async () => {
        const [a, b] = await viewOf(page);
        return a < at && at < b && b - a < v1 - v0 + 1;
      }).toBe(true);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });

    it('shows hostile strings from the trace as text and never runs them', async () => {
      const run = recordRun(lostFixture);
      const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
      const events: TraceEvent[] = [...run.events, { i: 9_999, t: run.result.virtualTimeUs - 1, kind: 'violation', name: hostile, message: `${hostile} at n1` }];
      const result = { ...run.result, checks: [{ name: 'health', verdict: 'fail' as const, detail: hostile, evidence: { message: hostile } }] };
      const path = join(dir, 'hostile.html');
      writeFileSync(path, renderRunHtml({ result, events }));
      const { page, errors, requests } = await open(path);
      expect(await page.evaluate(pwned)).toBeUndefined();
      expect(await page.$$eval('img', (els) => els.length)).toBe(0);
      expect(await page.$eval('tr.check td:last-child', (e) => e.textContent)).toContain(hostile);
      const box = (await (await page.$('#canvas'))!.boundingBox())!;
      await page.mouse.move(box.x + box.width - 17, box.y + 200);
      await expect.poll(() => page.$eval('#tip', (t) => t.textContent ?? '')).toContain(hostile);
      expect(await page.$$eval('#tip script, #tip img', (els) => els.length)).toBe(0);
      expect(await page.evaluate(pwned)).toBeUndefined();
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });
  });
});
