/**
 * The dashboard on the reads benchmark's sweep (10,000 finished trials, 12 epochs x 4 metrics each), in headless
 * Chromium pinned to one core (taskset) through playwright-core:
 *  1. time from navigation to the sweep page's first paint with grid and best table (the page's own
 *     `sweep-interactive` mark, the browser's clock), and the JS it loaded (gzipped bytes on the wire);
 *  2. a live result: a trial finishes (completeTrial, as a worker does) while the page is open; time until the
 *     page shows it (a MutationObserver in the page stamps the moment, same machine clock).
 * Prints one JSON object per line.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { completeTrial } from '@sweeps/db';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/browser.ts';
import { REPO_ROOT, Stack } from '../test/support/stack.ts';
import { finishSweep, sweepSpec } from './support.ts';

const RUNS = 7;
const LIVE_RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Chromium on one core: a wrapper that starts it under taskset when the machine has it. */
function oneCoreChromium(): string {
  if (spawnSync('taskset', ['-c', '0', 'true']).status !== 0) return CHROMIUM;
  const dir = mkdtempSync(join(tmpdir(), 'sweeps-chromium-'));
  const wrapper = join(dir, 'chromium-one-core');
  writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c 0 ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

if (!existsSync(join(REPO_ROOT, 'apps/dashboard/dist/index.html')))
  spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });

const stack = new Stack();
const browser = await chromium.launch({ executablePath: oneCoreChromium(), args: CHROMIUM_ARGS });
try {
  await stack.start({
    workers: 0,
    apiEnv: { SWEEPS_RATE_LIMIT_PER_MIN: '1000000', SWEEPS_RECONCILE_MS: '600000' },
  });
  const r = await stack.call(
    'POST',
    '/api/v1/sweeps',
    sweepSpec('dashboard', 10, 10, 5, 10, { kind: 'noop' }),
  );
  const id = r.json.id as string;
  await stack.call('POST', `/api/v1/sweeps/${id}/cancel`); // keep workers and reconcile away from it
  await stack.db.sweep.update({ where: { id }, data: { status: 'active' } });
  const running = await finishSweep(stack, id, LIVE_RUNS);

  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(`${stack.baseUrl}/`);
  await page.getByTestId('api-key').fill(stack.readKey);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('sweeps-table').waitFor();

  const loads: Array<{
    interactive: number;
    domContentLoaded: number;
    jsGzipBytes: number;
    api: Record<string, number>;
  }> = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${stack.baseUrl}/sweeps/${id}`);
    await page.waitForFunction(
      () => performance.getEntriesByName('sweep-interactive').length > 0,
      undefined,
      {
        timeout: 30_000,
      },
    );
    loads.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const js = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter(
          (e) => e.name.endsWith('.js'),
        );
        const api: Record<string, number> = {};
        for (const e of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
          const m = /\/api\/v1\/(session|sweeps\/sw_[0-9a-f]+(?:\/(grid|best))?)$/.exec(e.name);
          if (m) api[m[2] ?? (m[1] === 'session' ? 'session' : 'sweep')] = Math.round(e.duration);
        }
        return {
          api,
          interactive: performance.getEntriesByName('sweep-interactive')[0]!.startTime,
          domContentLoaded: nav.domContentLoadedEventEnd,
          jsGzipBytes: js.reduce((s, e) => s + e.encodedBodySize, 0),
        };
      }),
    );
  }
  const cells = await page.locator('[data-testid="grid-cell"]').count();
  // A cold load (no HTTP cache) for the bytes on the wire.
  const cold = await browser.newContext();
  await cold.addCookies(await ctx.cookies());
  const coldPage = await cold.newPage();
  const jsBytes: number[] = [];
  coldPage.on('response', async (res) => {
    if (res.url().endsWith('.js'))
      jsBytes.push(Number((await res.allHeaders())['content-length'] ?? 0));
  });
  await coldPage.goto(`${stack.baseUrl}/sweeps/${id}`);
  await coldPage.waitForFunction(
    () => performance.getEntriesByName('sweep-interactive').length > 0,
  );
  const coldInteractive = await coldPage.evaluate(
    () => performance.getEntriesByName('sweep-interactive')[0]!.startTime,
  );
  await cold.close();
  console.log(
    JSON.stringify({
      name: 'dashboard-sweep-page-10k-trials',
      trials: 10_000,
      grid_cells: cells,
      runs: RUNS,
      interactive_ms_median: median(loads.map((l) => l.interactive)),
      interactive_ms_max: Math.max(...loads.map((l) => l.interactive)),
      dom_content_loaded_ms_median: median(loads.map((l) => l.domContentLoaded)),
      api_ms_median: Object.fromEntries(
        ['session', 'sweep', 'grid', 'best'].map((k) => [
          k,
          median(loads.map((l) => l.api[k] ?? NaN)),
        ]),
      ),
      cold_interactive_ms: coldInteractive,
      page_js_gzip_bytes: jsBytes.reduce((s, b) => s + b, 0),
      target_interactive_ms: 1000,
      target_js_gzip_bytes: 150 * 1024,
    }),
  );

  // Live: each run finishes one of the trials left running and waits for the page's count to say so.
  await page.goto(`${stack.baseUrl}/sweeps/${id}`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="live"]')?.textContent === 'live',
  );
  const delays: number[] = [];
  for (const [k, t] of running.entries()) {
    const want = `${10_000 - LIVE_RUNS + k + 1} of 10000 trials`;
    await page.evaluate((text) => {
      const w = window as unknown as { seenAt?: number };
      w.seenAt = undefined;
      const el = document.querySelector('[data-testid="trial-count"]')!;
      const obs = new MutationObserver(() => {
        if (el.textContent?.includes(text)) {
          w.seenAt = Date.now();
          obs.disconnect();
        }
      });
      obs.observe(el, { childList: true, characterData: true, subtree: true });
    }, want);
    const t0 = Date.now();
    await completeTrial(
      stack.db,
      { trialId: t.id, workerId: 'bench', lease: 0 },
      { finalMetric: 0.5, metrics: {} },
    );
    await page.waitForFunction(
      () => (window as unknown as { seenAt?: number }).seenAt !== undefined,
      undefined,
      {
        timeout: 30_000,
      },
    );
    delays.push((await page.evaluate(() => (window as unknown as { seenAt: number }).seenAt)) - t0);
  }
  console.log(
    JSON.stringify({
      name: 'dashboard-live-result-10k-trials',
      runs: LIVE_RUNS,
      delay_ms_median: median(delays),
      delay_ms_max: Math.max(...delays),
      target_ms: 1000,
    }),
  );
} finally {
  await browser.close();
  await stack.stop();
}
