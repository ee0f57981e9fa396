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

  it('colours each checkpoint on its own scale (a switch for one shared scale), with a legend per scale', async () => {
    const page = await signedIn(stack.readKey, `/sweeps/${sweepId}`);
    await page.locator('[data-testid="grid-cell"]').first().waitFor();
    const legends = () =>
      page.$$eval('[data-testid="scale-legend"]', (ls) =>
        ls.map((l) => (l as HTMLElement).dataset.scale),
      );
    expect(await legends()).toEqual(['base', 'tnr', 'c3']);
    const bestFills = () =>
      page.$$eval('[data-testid="grid-cell"].best', (tds) =>
        tds.map((td) => getComputedStyle(td).backgroundColor),
      );
    // each checkpoint's best cell is its brightest: the same top colour in every checkpoint
    const own = await bestFills();
    expect(own).toHaveLength(3);
    expect(new Set(own).size).toBe(1);
    const legendBest = await page
      .locator('[data-testid="scale-legend"][data-scale="tnr"] [data-testid="scale-best"]')
      .textContent();
    expect(legendBest).toBe(
      await page.locator('[data-testid="grid-cell"][data-checkpoint="tnr"].best .v').textContent(),
    );
    await page.getByLabel('one for all').check();
    await expect.poll(legends).toEqual(['all checkpoints']);
    const shared = await bestFills();
    expect(new Set(shared).size).toBeGreaterThan(1); // base's best is below tnr's on one scale
    await shoot(page, 'scales-shared');
    await page.context().close();
  });

  it('colours pruned cells by their rung value in stripes and says when seeds stopped at different epochs', async () => {
    await stack.stopWorkers(); // the trial states below are written by hand; no worker may run these trials
    const spec = sweepSpec('answer-asha', [0, 1, 2], ['base']);
    const created = await stack.call('POST', '/api/v1/sweeps', {
      ...spec,
      space: { optimizer: { SGD: { lr: [0.01, 0.1], weight_decay: [0], momentum: [0.9] } } },
      fixed: { epochs: 9 },
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    // lr 0.01: seeds 0 and 2 pruned at epoch 3, seed 1 at epoch 9; lr 0.1: every seed pruned at epoch 1
    for (const [lr, seed, epoch, value] of [
      [0.01, 0, 3, 0.3],
      [0.01, 1, 9, 0.35],
      [0.01, 2, 3, 0.31],
      [0.1, 0, 1, 0.05],
      [0.1, 1, 1, 0.06],
      [0.1, 2, 1, 0.04],
    ] as const) {
      await stack.db.$executeRaw`
        INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
        SELECT id, sweep_id, checkpoint_id, ${epoch}, ${value}, 2, 3, false, 'pruned', 'test'
        FROM trials WHERE sweep_id = ${id} AND lr = ${lr} AND seed = ${seed}`;
      await stack.db.$executeRaw`
        UPDATE trials SET state = 'pruned'::"TrialState" WHERE sweep_id = ${id} AND lr = ${lr} AND seed = ${seed}`;
    }
    const page = await signedIn(stack.readKey, `/sweeps/${id}`);
    const apart = page.locator('[data-testid="grid-cell"][data-lr="0.01"]');
    await apart.waitFor();
    expect(await apart.locator('.mark').textContent()).toBe('✂ pruned@3–9');
    expect(await apart.getAttribute('title')).toContain('pruned at different epochs, 3 to 9');
    expect(await apart.getAttribute('data-rung-value')).toBe('0.35'); // the latest rung's value
    const looks = await page.$$eval('[data-testid="grid-cell"]', (tds) =>
      tds.map((td) => ({
        image: getComputedStyle(td).backgroundImage,
        chip: getComputedStyle(td.querySelector('.mark')!).backgroundColor,
      })),
    );
    for (const l of looks) expect(l.image).toContain('repeating-linear-gradient');
    expect(looks[0]!.chip).not.toBe(looks[1]!.chip); // coloured by value: 0.35 brighter than 0.05
    await shoot(page, 'pruned-colours');
    await page.context().close();
  });

  it('opens a clicked cell in view with the focus in it, closes it on Escape, and keeps it in the address', async () => {
    const page = await signedIn(stack.readKey, `/sweeps/${sweepId}`);
    const cell = page
      .locator('[data-testid="grid-cell"][data-checkpoint="c3"][data-lr="0.01"]')
      .first();
    await cell.waitFor();
    await cell.click();
    const panel = page.getByTestId('cell-panel');
    await panel.locator('tr[data-trial]').first().waitFor();
    expect(new URL(page.url()).search).toMatch(/^\?cell=c3,SGD,0\.01,/);
    expect(
      await page.evaluate(() => !!document.activeElement?.closest('[data-testid="cell-panel"]')),
    ).toBe(true);
    const box = (await panel.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeLessThan(900);
    await shoot(page, 'cell-panel');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(new URL(page.url()).search).toBe('');
    expect(
      await page.evaluate(() => (document.activeElement as HTMLElement).dataset.checkpoint),
    ).toBe('c3');

    // Back closes an open cell and stays on the sweep
    await cell.click();
    await panel.waitFor();
    const link = page.url();
    await page.goBack();
    await panel.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe(`/sweeps/${sweepId}`);
    await page.goForward();
    await panel.waitFor();
    await page.context().close();

    // a pasted link opens the cell it names
    const other = await signedIn(stack.readKey, new URL(link).pathname + new URL(link).search);
    const opened = other.getByTestId('cell-panel');
    await opened.locator('tr[data-trial]').first().waitFor();
    expect(await opened.locator('tr[data-trial]').count()).toBe(3);
    expect(await opened.locator('h2').textContent()).toContain('c3');
    expect(
      await other.locator('[data-testid="grid-cell"].selected').getAttribute('data-checkpoint'),
    ).toBe('c3');
    await other.context().close();
  });

  it('fits 390 px without sideways scrolling, follows the dark system setting, and lists workers devices', async () => {
    const page = await signedIn(stack.readKey, `/sweeps/${sweepId}`, 390);
    await page.locator('[data-testid="grid-cell"]').first().waitFor();
    const sideways = () =>
      page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const cell = 'c3,SGD,0.01,0';
    for (const path of [
      '/',
      `/sweeps/${sweepId}`,
      `/sweeps/${sweepId}?cell=${cell}`,
      '/workers',
      '/new',
    ]) {
      await page.goto(`${stack.baseUrl}${path}`);
      await page.locator('main > *').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await sideways(), `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
    }
    await page.goto(`${stack.baseUrl}/sweeps/${sweepId}`);
    await page.getByTestId('gain-ci').first().waitFor();
    // the best table's gain column is on screen, the heatmaps scroll in their own box
    const gain = (await page.getByTestId('gain-ci').first().boundingBox())!;
    expect(gain.x + gain.width).toBeLessThanOrEqual(390);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    const signOut = (await page.getByRole('button', { name: 'Sign out' }).boundingBox())!;
    expect(signOut.x + signOut.width).toBeLessThanOrEqual(390);

    // a live worker to list: an earlier test stops this suite's workers, and a stopped one may have left the page
    await stack.startWorker(`w-devices-${stack.prefix}`, 1);
    await page.goto(`${stack.baseUrl}/workers`);
    const devices = page.getByTestId('devices').first();
    await devices.waitFor();
    const lines = await devices.locator('li').allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^slot \d+: /);
    await shoot(page, 'workers');
    await page.context().close();

    const ctx = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      colorScheme: 'dark',
    });
    const dark = await ctx.newPage();
    await dark.goto(`${stack.baseUrl}/sweeps/${sweepId}`);
    await dark.getByTestId('api-key').fill(stack.readKey);
    await dark.getByTestId('sign-in').click();
    await dark.getByTestId('best-table').waitFor();
    const colours = await dark.evaluate(() => {
      const bg = getComputedStyle(document.documentElement).backgroundColor;
      const table = getComputedStyle(document.querySelector('[data-testid="best-table"]')!);
      return { bg, tableBg: table.backgroundColor, tableFg: table.color };
    });
    const lum = (c: string) => {
      const [r, g, b] = c
        .match(/[\d.]+/g)!
        .slice(0, 3)
        .map((x) => {
          const v = Number(x) / 255;
          return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    expect(lum(colours.bg)).toBeLessThan(0.05);
    const [hi, lo] = [lum(colours.tableFg), lum(colours.tableBg)].sort((a, b) => b - a);
    expect((hi! + 0.05) / (lo! + 0.05)).toBeGreaterThan(4.5);
    await shoot(dark, 'answer-dark');
    await ctx.close();
  });
});
