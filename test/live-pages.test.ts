/**
 * Open dashboards on a running sweep (issue 27), in a real Chromium against a real API, PostgreSQL, Redis and
 * worker: 10 sweep pages follow the sweep's events (sent once per read interval, one refresh per batch), and
 * each page's shown count of finished trials reaches every count the API gave while the sweep ran. How long each
 * page took to show a count after the API gave it is printed (the figure BENCHMARKS.md quotes); the test asserts
 * that every page caught up, and how fast only where SWEEPS_LIVE_PAGES_MAX_LAG_MS is set (issue 27's acceptance:
 * 1000, on a machine of its own; timings on a shared 2-core machine vary too much to assert by default).
 * Run `npm run build` first (the suite builds the dashboard when dist/ is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepSpec } from '../bench/support.ts';
import { launchChromium } from './support/browser.ts';
import { REPO_ROOT, Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const PAGES = Number(process.env.SWEEPS_LIVE_PAGES ?? 10);
/** The most a page may lag the API (0: not asserted). */
const MAX_LAG_MS = Number(process.env.SWEEPS_LIVE_PAGES_MAX_LAG_MS ?? 0);
const stack = new Stack();
let browser: Browser;
/** The sweep the first test ran to its end, and its number of trials. */
let finished: { id: string; total: number } | null = null;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'apps/dashboard/dist/index.html')))
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  await stack.start({ workers: 0 });
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stack.stop();
});

async function sweepPage(sweepId: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${stack.baseUrl}/sweeps/${sweepId}`);
  await page.getByTestId('api-key').fill(stack.readKey);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('trial-count').waitFor();
  return page;
}

/** The finished trials a page shows ("N of T trials finished ..."). */
async function shownFinished(page: Page): Promise<number> {
  const text = (await page.getByTestId('trial-count').textContent()) ?? '';
  return Number(/^(\d+) of/.exec(text)?.[1] ?? -1);
}

describe(`${PAGES} open sweep pages on a running sweep`, () => {
  it("each page's count of finished trials follows the API's", async () => {
    // 2 optimizers x 8 x 5 cells x 2 checkpoints = 160 trials of 3 short epochs on 8 slots, started once the
    // pages are open: they watch it run for some seconds
    const spec = {
      ...sweepSpec('live-pages', 8, 5, 2, 1, { kind: 'noop', epoch_ms: 150 }),
      fixed: { epochs: 3 },
    };
    const created = await stack.call('POST', '/api/v1/sweeps', spec);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    const pages = await Promise.all(Array.from({ length: PAGES }, () => sweepPage(id)));
    await stack.startWorker(`live-${stack.prefix}`, 8);
    const lags: number[] = [];
    let last = -1;
    let total = 0;
    while (last < total) {
      const counts = await waitFor(
        `the API's count of finished trials to pass ${last}`,
        async () => {
          const c = (await stack.call('GET', `/api/v1/sweeps/${id}`)).json.counts;
          return c.succeeded !== last && (c as { succeeded: number; total: number });
        },
        120_000,
        20,
      );
      const api = counts.succeeded;
      total = counts.total;
      last = api;
      const since = performance.now();
      await Promise.all(
        pages.map(async (page) => {
          await waitFor(
            `a page to show ${api} finished trials`,
            async () => (await shownFinished(page)) >= api,
            30_000,
            20,
          );
          lags.push(performance.now() - since);
        }),
      );
    }
    lags.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round(lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!);
    console.log(
      JSON.stringify({
        name: 'live-pages-lag',
        pages: PAGES,
        samples: lags.length,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: Math.round(lags.at(-1)!),
      }),
    );
    for (const page of pages) expect(await shownFinished(page)).toBe(total);
    finished = { id, total };
    await Promise.all(pages.map((p) => p.context().close()));
    if (MAX_LAG_MS > 0) expect(Math.round(lags.at(-1)!)).toBeLessThanOrEqual(MAX_LAG_MS);
  });

  it('a page whose reads are refused (429, Retry-After) reads again by itself, with no event to prompt it', async () => {
    expect(finished, 'the first test ran the sweep').not.toBeNull();
    const { id, total } = finished!;
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${stack.baseUrl}/sweeps/${id}`);
    await page.getByTestId('api-key').fill(stack.readKey);
    // the sweep's own read is refused three times, as the API's rate limit refuses it, then answered
    let refused = 0;
    await page.route(
      (url) => url.pathname === `/api/v1/sweeps/${id}`,
      async (route) => {
        if (refused >= 3) return route.continue();
        refused++;
        await route.fulfill({
          status: 429,
          headers: { 'retry-after': '1', 'content-type': 'application/json' },
          body: JSON.stringify({
            error: { code: 'RATE_LIMITED', message: 'Too many requests; retry in 1 second.' },
          }),
        });
      },
    );
    await page.getByTestId('sign-in').click();
    await waitFor(
      `the page to show all ${total} trials finished after 3 refused reads`,
      async () =>
        (await page.getByTestId('trial-count').count()) > 0 &&
        (await shownFinished(page)) === total,
      30_000,
      50,
    );
    expect(refused).toBe(3);
    expect(await page.locator('p.error').count()).toBe(0); // the error went with the read that worked
    await ctx.close();
  });
});
