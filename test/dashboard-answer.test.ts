/**
 * The dashboard's second round in a real Chromium against a real API, PostgreSQL, Redis and worker running the
 * synthetic trainer: the sweep page opens with the answer (the best table, before the heatmaps, with the API's
 * gain interval, within-noise flag and runner-up p-value, "one seed: no interval" with one seed), following the
 * final/best-epoch switch as the exports do. Screenshots at 1440 and 390 px go to test-artifacts/dashboard/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BestTable } from '../packages/api-client/src/schemas.ts';
import { launchChromium } from './support/browser.ts';
import { shoot } from './support/screenshots.ts';
import { REPO_ROOT, Stack } from './support/stack.ts';
import { SYNTHETIC_COMMAND } from './support/synthetic-trainer.ts';

/** base and c3 share the synthetic curve (their gain is 0: within noise); tnr's optimum lies elsewhere. */
function sweepSpec(name: string, seeds: number[], checkpoints = ['base', 'tnr', 'c3']) {
  return {
    name,
    metric: { name: 'bbox_mAP', goal: 'maximize' },
    trainer: { kind: 'command', command: SYNTHETIC_COMMAND, metrics: { format: 'jsonl' } },
    checkpoints: checkpoints.map((c, i) => ({ name: c, uri: c, baseline: i === 0 })),
    space: {
      optimizer: { SGD: { lr: [3e-5, 0.01], weight_decay: [0, 1e-4], momentum: [0.9] } },
    },
    fixed: { epochs: 3 },
    seeds,
  };
}

const stack = new Stack();
let browser: Browser;
let sweepId = '';

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'apps/dashboard/dist/index.html')))
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  await stack.start({ workers: 0 });
  await stack.startWorker(`w-answer-${stack.prefix}`, 4);
  const created = await stack.call('POST', '/api/v1/sweeps', sweepSpec('answer-e2e', [0, 1, 2]));
  expect(created.status, created.text).toBe(201);
  sweepId = created.json.id;
  await stack.waitForPhase(sweepId, 'finished', 240_000);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack.stop();
});

async function signedIn(key: string, path: string, width = 1440): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${stack.baseUrl}${path}`);
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('sign-in').click();
  return page;
}

/** The best table's rows as the page holds them (the hooks of issue 24). */
async function pageRows(page: Page) {
  return page.$$eval('[data-testid="best-table"] tbody tr', (trs) =>
    trs.map((tr) => {
      const ci = tr.querySelector('[data-testid="gain-ci"]') as HTMLElement | null;
      return {
        checkpoint: (tr as HTMLElement).dataset.checkpoint!,
        mean: Number(tr.querySelector('[data-col="metric"]')?.getAttribute('data-value')),
        ci: ci && {
          low: ci.dataset.low!,
          high: ci.dataset.high!,
          withinNoise: ci.dataset.withinNoise!,
          text: ci.textContent!,
        },
        p: tr.querySelector('[data-col="runner-up"]')?.getAttribute('data-p') ?? null,
      };
    }),
  );
}

function apiRows(best: BestTable) {
  return best.rows.map((r) => ({
    checkpoint: r.checkpoint,
    mean: r.best!.mean,
    ci: r.baseline
      ? null
      : {
          low: r.gain_ci95 ? String(r.gain_ci95[0]) : '',
          high: r.gain_ci95 ? String(r.gain_ci95[1]) : '',
          withinNoise: r.within_noise === null ? '' : String(r.within_noise),
          text: expect.any(String),
        },
    p: r.runner_up ? (r.p_vs_runner_up === null ? '' : String(r.p_vs_runner_up)) : null,
  }));
}

describe("the sweep page's answer in Chromium", () => {
  it('opens with the best table before the heatmaps, with the API interval, within-noise flag and p-value', async () => {
    const page = await signedIn(stack.readKey, `/sweeps/${sweepId}`);
    const table = page.getByTestId('best-table');
    await table.waitFor();
    const best = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/best`)).json as BestTable;
    expect(await pageRows(page)).toEqual(apiRows(best));
    const noisy = best.rows.find((r) => r.checkpoint === 'c3')!;
    const clear = best.rows.find((r) => r.checkpoint === 'tnr')!;
    expect(noisy.within_noise).toBe(true);
    expect(clear.within_noise).toBe(false);
    const rows = await pageRows(page);
    expect(rows.find((r) => r.checkpoint === 'c3')!.ci!.text).toContain('within noise');
    expect(rows.find((r) => r.checkpoint === 'tnr')!.ci!.text).not.toContain('within noise');
    // the interval is drawn: its bar spans from low to high on the axis, zero marked
    const bar = await page
      .locator('tr[data-checkpoint="tnr"] .ci-bar')
      .evaluate((el) => (el as HTMLElement).getBoundingClientRect().width);
    expect(bar).toBeGreaterThan(0);
    expect(await page.locator('tr[data-checkpoint="tnr"] .ci-zero').count()).toBe(1);
    expect(await page.locator('[data-col="runner-up"]').first().textContent()).toMatch(/p = /);

    // the answer comes first, and at 1440 x 900 its rows are on the first screen
    const order = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="best-table"]')!;
      const h = document.querySelector('[data-testid="grid-cell"]')!;
      return t.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(order).toBeTruthy();
    const bottom = await page
      .locator('[data-testid="best-table"] tbody tr')
      .last()
      .evaluate((el) => el.getBoundingClientRect().bottom);
    expect(bottom).toBeLessThan(900);
    await shoot(page, 'answer');

    // numbers: parameters in their shortest form, every metric value of the sweep in one notation (4 significant
    // digits of its largest value), sds and gains in the same notation
    const lrs = await page.$$eval('table.heatmap tbody th', (ths) => ths.map((t) => t.textContent));
    expect(new Set(lrs)).toEqual(new Set(['3e-5', '0.01']));
    const values = await page.$$eval('[data-testid="grid-cell"] .v', (vs) =>
      vs.map((v) => v.textContent!),
    );
    expect(values.length).toBe(12);
    for (const v of values) expect(v).toMatch(/^-?\d\.\d{4}$/);
    const sds = await page.$$eval('[data-testid="grid-cell"] .sd', (vs) =>
      vs.map((v) => v.textContent!),
    );
    for (const sd of sds) expect(sd).toMatch(/^± (\d\.\d{4}|<0\.0001) \(3\)$/);
    const gains = await page.$$eval('[data-testid="gain-ci"] .gain', (vs) =>
      vs.map((v) => v.textContent!),
    );
    for (const g of gains) expect(g).toMatch(/^[+-]\d\.\d{4}$/);
    expect(await page.locator('body').textContent()).not.toMatch(/\d{8}/);

    // best epoch: the table and the exports follow the switch
    await page.getByLabel('best epoch').check();
    await page.locator('[data-testid="best-table"][data-value="best_epoch"]').waitFor();
    const bestEpoch = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/best?value=best_epoch`))
      .json as BestTable;
    expect(await pageRows(page)).toEqual(apiRows(bestEpoch));
    const href = await page.getByTestId('export-best-csv').getAttribute('href');
    expect(href).toContain('value=best_epoch');
    const csv = await page.evaluate(async (h) => (await fetch(h!)).text(), href);
    expect(csv).toBe(
      (
        await stack.call(
          'GET',
          `/api/v1/sweeps/${sweepId}/export?format=csv&table=best&value=best_epoch`,
        )
      ).text,
    );
    expect(
      (await stack.call('GET', `/api/v1/sweeps/${sweepId}/export?format=md&value=best_epoch`)).text,
    ).toContain('best epoch');
    await page.context().close();
  });

  it('says "one seed: no interval" where a gain rests on one seed', async () => {
    const created = await stack.call(
      'POST',
      '/api/v1/sweeps',
      sweepSpec('answer-one-seed', [0], ['base', 'tnr']),
    );
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    await stack.waitForPhase(id, 'finished', 120_000);
    const page = await signedIn(stack.readKey, `/sweeps/${id}`);
    const ci = page.locator('tr[data-checkpoint="tnr"] [data-testid="gain-ci"]');
    await ci.waitFor();
    expect(await ci.getAttribute('data-low')).toBe('');
    expect(await ci.getAttribute('data-within-noise')).toBe('');
    expect(await ci.textContent()).toContain('one seed: no interval');
    await shoot(page, 'answer-one-seed');
    await page.context().close();
  });
});
