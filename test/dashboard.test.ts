/**
 * The dashboard in a real Chromium (Debian's, driven by playwright-core) against a real API, PostgreSQL, Redis
 * and worker: every heatmap cell equals GET grid, the best table equals GET best, results arrive without a
 * reload, the new-sweep preview and submit work, a read key sees no write buttons and a bad key sees no data,
 * asha's paused and pruned cells say where they stopped, in colours whose text reads (WCAG contrast), and
 * trainer text holding bidirectional controls (U+202E) is shown escaped and in its written order.
 * Screenshots of each page go to test-artifacts/dashboard/ (ignored by git).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BestTable, Grid } from '../packages/api-client/src/schemas.ts';
import { MNIST_TRAIN } from './fixtures/study-mnist.ts';
import { launchChromium } from './support/browser.ts';
import { REPO_ROOT, Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const SHOTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');

function sweepSpec(name: string) {
  return {
    name,
    metric: { name: 'val_accuracy', goal: 'maximize' },
    trainer: {
      kind: 'command',
      command: [
        'node',
        MNIST_TRAIN,
        '--optimizer',
        '{optimizer}',
        '--lr',
        '{lr}',
        '--weight-decay',
        '{weight_decay}',
        '--checkpoint',
        '{checkpoint.uri}',
        '--seed',
        '{seed}',
        '--epochs',
        '{epochs}',
        '--train-size',
        '300',
        '--val-size',
        '200',
      ],
      metrics: { format: 'jsonl' },
    },
    checkpoints: [
      { name: 'scratch', uri: 'scratch', baseline: true },
      { name: 'scratch-b', uri: 'scratch' },
    ],
    space: {
      optimizer: {
        SGD: { lr: [0.03, 10], weight_decay: [1e-4], momentum: [0.9] },
        AdamW: { lr: [0.001], weight_decay: [0.01] },
      },
    },
    fixed: { epochs: 2 },
    seeds: [0, 1],
  };
}

const stack = new Stack();
let browser: Browser;
let sweepId = '';

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'apps/dashboard/dist/index.html')))
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
  mkdirSync(SHOTS, { recursive: true });
  await stack.start({ workers: 0 });
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await stack.stop();
});

async function signedIn(key: string, path = '/'): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(`${stack.baseUrl}${path}`);
  await page.getByTestId('api-key').fill(key);
  await page.getByTestId('sign-in').click();
  return page;
}

/** The page's heatmap cells, keyed like GET grid. */
async function pageCells(page: Page) {
  return page.$$eval('[data-testid="grid-cell"]', (tds) =>
    tds.map((td) => {
      const d = (td as HTMLElement).dataset;
      return {
        key: `${d.checkpoint}|${d.optimizer}|${d.lr}|${d.weightDecay}`,
        state: d.state!,
        value: d.value === '' ? null : Number(d.value),
      };
    }),
  );
}

function apiCells(grid: Grid) {
  return grid.matrices.flatMap((m) =>
    m.lrs.flatMap((lr, i) =>
      m.weightDecays.map((wd, j) => ({
        key: `${m.checkpoint}|${m.optimizer}|${lr}|${wd}`,
        state: m.gridCells[i]![j]!.state,
        value: m.values[i]![j]?.mean ?? null,
      })),
    ),
  );
}

async function expectPageMatchesGrid(page: Page, query = '') {
  await waitFor(
    'the page to show what GET grid says',
    async () => {
      const grid = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/grid${query}`)).json as Grid;
      const want = apiCells(grid).sort((a, b) => a.key.localeCompare(b.key));
      const got = (await pageCells(page)).sort((a, b) => a.key.localeCompare(b.key));
      return JSON.stringify(got) === JSON.stringify(want);
    },
    10_000,
  );
  const grid = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/grid${query}`)).json as Grid;
  const got = (await pageCells(page)).sort((a, b) => a.key.localeCompare(b.key));
  expect(got).toEqual(apiCells(grid).sort((a, b) => a.key.localeCompare(b.key)));
  return grid;
}

/** WCAG 2 contrast ratio of two `rgb(r, g, b)` colours as the browser computes them. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((x) => {
        const v = Number(x) / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** An element's text colour, every colour it is filled with (a gradient's stops too) and its border colour. */
async function paint(page: Page, selector: string) {
  return page.$eval(selector, (el) => {
    const s = getComputedStyle(el);
    const stops = s.backgroundImage.match(/rgba?\([^)]*\)/g) ?? [];
    return {
      color: s.color,
      fills: stops.length ? stops : [s.backgroundColor],
      border: s.borderTopColor,
    };
  });
}

describe('the dashboard in Chromium', () => {
  it('shows a sweep live: queued cells fill in without a reload and end equal to GET grid and GET best', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', sweepSpec('dashboard-e2e'));
    expect(created.status, created.text).toBe(201);
    sweepId = created.json.id;
    const page = await signedIn(stack.writeKey, `/sweeps/${sweepId}`);
    await page.getByTestId('sweep-phase').waitFor();
    await expect.poll(() => page.getByTestId('live').textContent()).toBe('live');
    const before = await pageCells(page);
    expect(before).toHaveLength(6);
    expect(new Set(before.map((c) => c.state))).toEqual(new Set(['queued']));
    expect(await page.getByTestId('trial-count').textContent()).toContain('0 of 12 trials');
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    await stack.startWorker(`w-dash-${stack.prefix}`, 2);
    await page.waitForSelector('[data-testid="grid-cell"][data-state="succeeded"]', {
      timeout: 60_000,
    });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sweep-phase"]')?.textContent === 'finished',
      undefined,
      { timeout: 90_000 },
    );
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    expect(await page.getByTestId('trial-count').textContent()).toContain('12 of 12 trials');

    const grid = await expectPageMatchesGrid(page);
    const states = apiCells(grid).map((c) => c.state);
    expect(states).toContain('succeeded');
    expect(states).toContain('diverged'); // SGD lr 10
    const diverged = page.locator('[data-testid="grid-cell"][data-state="diverged"]').first();
    expect(await diverged.getAttribute('title')).toMatch(/diverged/);

    const best = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/best`)).json as BestTable;
    const rows = await page.$$eval('[data-testid="best-table"] tbody tr', (trs) =>
      trs.map((tr) => ({
        checkpoint: (tr as HTMLElement).dataset.checkpoint,
        baseline: tr.textContent!.includes('baseline'),
        mean: Number(tr.querySelector('[data-col="metric"]')?.getAttribute('data-value')),
        gain: tr.querySelector('[data-col="gain"]')?.getAttribute('data-value') ?? null,
        lr: tr.querySelector('[data-col="lr"]')?.textContent,
        optimizer: tr.querySelector('[data-col="optimizer"]')?.textContent,
      })),
    );
    expect(rows).toEqual(
      best.rows.map((r) => ({
        checkpoint: r.checkpoint,
        baseline: r.baseline,
        mean: r.best!.mean,
        gain: r.gain === null ? '' : String(r.gain),
        lr: String(r.best!.params.lr),
        optimizer: expect.stringContaining(r.best!.optimizer),
      })),
    );
    await page.screenshot({ path: join(SHOTS, 'sweep.png'), fullPage: true });

    // keyboard: arrows move between cells, Enter opens the trials with their curves
    const first = page.locator('[data-testid="grid-cell"][data-i="0"][data-j="0"]').first();
    await first.focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.i)).toBe('1');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.getByTestId('trial-panel').locator('tr[data-trial]').first().waitFor();
    expect(await page.getByTestId('trial-panel').locator('tr[data-trial]').count()).toBe(2);
    await page.getByTestId('trial-panel').locator('.chart canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'sweep-trials.png'), fullPage: true });

    // the best-epoch view says so and equals GET grid?value=best_epoch
    await page.getByLabel('best epoch').check();
    await expect.poll(() => page.getByTestId('value-shown').textContent()).toContain('best epoch');
    await expectPageMatchesGrid(page, '?value=best_epoch');

    expect(await page.getByTestId('cancel').count()).toBe(1);
    expect(await page.getByTestId('retry-failed').count()).toBe(1);

    await page.goto(`${stack.baseUrl}/`);
    await page.locator(`tr[data-sweep="${sweepId}"]`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'sweeps.png'), fullPage: true });
    await page.goto(`${stack.baseUrl}/workers`);
    await page.locator(`tr[data-worker="w-dash-${stack.prefix}"]`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'workers.png'), fullPage: true });
    await page.context().close();
  });

  it('previews a sweep file as it is typed, shows the API error paths of a bad file, and submits once', async () => {
    const page = await signedIn(stack.writeKey, '/new');
    const input = page.getByTestId('spec-input');
    await input.waitFor();
    const yaml = [
      'name: from-the-browser',
      'metric: { name: val_accuracy }',
      'trainer: { kind: command, command: ["true"], metrics: { format: jsonl } }',
      'checkpoints: [{ name: a, uri: scratch, baseline: true }, { name: b, uri: scratch }]',
      'space: { optimizer: { SGD: { lr: [0.1, 0.2, 0.1], weight_decay: [0] } } }',
    ].join('\n');
    await input.fill(yaml);
    await expect
      .poll(() => page.getByTestId('preview-total').textContent(), { timeout: 10_000 })
      .toBe('4');
    expect(await page.getByTestId('preview-refused').textContent()).toContain(
      'space.optimizer.SGD.lr[2]',
    );

    await page.getByTestId('spec-file').setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({
          ...sweepSpec('bad'),
          space: { optimizer: { SGD: { lr: [-1], weight_decay: [0] } } },
        }),
      ),
    });
    await page.getByTestId('preview-error').waitFor({ timeout: 10_000 });
    const paths = await page.$$eval('[data-testid="error-path"]', (els) =>
      els.map((e) => (e as HTMLElement).dataset.path),
    );
    expect(paths).toContain('space.optimizer.SGD.lr[0]');
    await page.screenshot({ path: join(SHOTS, 'new-invalid.png'), fullPage: true });

    await input.fill(yaml);
    await page.getByTestId('preview').waitFor();
    const count = async () =>
      (
        (await stack.call('GET', '/api/v1/sweeps?limit=500')).json.sweeps as Array<{ name: string }>
      ).filter((s) => s.name === 'from-the-browser').length;
    await page.getByTestId('submit').dblclick();
    await page.waitForURL(/\/sweeps\/sw_/);
    await page.getByTestId('sweep-phase').waitFor();
    expect(await count()).toBe(1);
    const newId = /sweeps\/(sw_[0-9a-f]+)/.exec(page.url())![1]!;
    await stack.call('POST', `/api/v1/sweeps/${newId}/cancel`);
    await page.context().close();
  });

  it("draws asha's paused and pruned cells with their rung, in words, on hover and in colours that read", async () => {
    await stack.stopWorkers(); // the trial states below are written by hand; no worker may run these trials
    const spec = sweepSpec('dashboard-asha');
    const created = await stack.call('POST', '/api/v1/sweeps', {
      ...spec,
      checkpoints: [spec.checkpoints[0]],
      space: { optimizer: { SGD: { lr: [0.1, 0.2, 0.3], weight_decay: [1e-4], momentum: [0.9] } } },
      seeds: [0],
      fixed: { epochs: 9 },
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    // as asha records them: lr 0.1 waits at the epoch-3 rung, lr 0.2 was pruned at epoch 1, lr 0.3 is queued
    for (const [lr, epoch, value, state] of [
      [0.1, 3, 0.21, 'paused'],
      [0.2, 1, 0.05, 'pruned'],
    ] as const) {
      await stack.db.$executeRaw`
        INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
        SELECT id, sweep_id, checkpoint_id, ${epoch}, ${value}, 2, 3, false, ${state}, 'test'
        FROM trials WHERE sweep_id = ${id} AND lr = ${lr}`;
      await stack.db.$executeRaw`
        UPDATE trials SET state = ${state}::"TrialState" WHERE sweep_id = ${id} AND lr = ${lr}`;
    }

    const page = await signedIn(stack.writeKey, `/sweeps/${id}`);
    await page.getByTestId('sweep-phase').waitFor();
    const cells = await pageCells(page);
    expect(cells.map((c) => c.state)).toEqual(['paused', 'pruned', 'queued']);
    const paused = page.locator('[data-testid="grid-cell"][data-state="paused"]');
    const pruned = page.locator('[data-testid="grid-cell"][data-state="pruned"]');
    expect(await paused.textContent()).toBe('‖ paused@30.2100');
    expect(await pruned.textContent()).toBe('✂ pruned@10.0500');
    expect(await paused.getAttribute('title')).toContain(
      'paused at epoch 3 (val_accuracy 0.2100), waiting for its rung: it resumes if it ranks high enough',
    );
    // the accessible name says it too, not only the hover text
    const named = page.getByRole('gridcell', { name: /paused at epoch 3 .*1 trial: 1 paused/ });
    expect(await named.count()).toBe(1);
    expect(
      await page
        .getByRole('gridcell', { name: /pruned at epoch 1 \(val_accuracy 0\.0500\)/ })
        .count(),
    ).toBe(1);
    const count = await page.getByTestId('trial-count').textContent();
    expect(count).toBe(
      '1 of 3 trials finished (1 pruned, 1 paused (waiting at an asha rung), 1 queued)',
    );
    expect(await page.locator('.progress .seg.paused').count()).toBe(1);
    expect(await page.locator('.progress .seg.pruned').count()).toBe(1);
    expect(await page.getByTestId('asha-key').textContent()).toContain('paused@N');

    // every state's text reads on each of its fills (4.5:1, WCAG AA); paused looks unlike running, queued, pruned
    const looks = new Map<string, string>();
    for (const state of ['queued', 'running', 'failed', 'diverged', 'paused', 'pruned']) {
      const p = await paint(page, `.legend .key.${state}`);
      for (const fill of p.fills)
        expect(contrast(p.color, fill), `${state}: ${p.color} on ${fill}`).toBeGreaterThan(4.5);
      looks.set(state, JSON.stringify(p));
    }
    // the cells are striped in the colour of their rung value; their mark and value read on it (4.5:1)
    for (const state of ['paused', 'pruned']) {
      const cell = `[data-testid="grid-cell"][data-state="${state}"]`;
      expect((await paint(page, cell)).fills.length).toBeGreaterThan(1);
      const chip = await paint(page, `${cell} .mark`);
      expect(contrast(chip.color, chip.fills[0]!), `${state} chip`).toBeGreaterThan(4.5);
    }
    expect(new Set(looks.values()).size).toBe(looks.size);
    const bar = await paint(page, '.progress .seg.paused');
    const track = await paint(page, '.progress');
    expect(contrast(bar.fills[0]!, track.fills[0]!)).toBeGreaterThan(2.5);
    await page.screenshot({ path: join(SHOTS, 'sweep-asha.png'), fullPage: true });

    // the paused cell's trial says where it waits
    await paused.click();
    const state = page.getByTestId('trial-panel').locator('.state.paused');
    await state.waitFor();
    expect(await state.textContent()).toBe(
      'paused at epoch 3 (val_accuracy 0.2100), waiting for its rung',
    );
    await page.screenshot({ path: join(SHOTS, 'sweep-asha-trials.png'), fullPage: true });
    await page.context().close();
  });

  it('shows trainer text holding bidi controls (U+202E) escaped and isolated, never reversed', async () => {
    await stack.stopWorkers(); // the failure below is written by hand; no worker may run this trial
    const RLO = '\u202E'; // right-to-left override: "gnp.tset" would show as "test.png"
    const spec = sweepSpec(`bidi ${RLO}gnp.tset`);
    const created = await stack.call('POST', '/api/v1/sweeps', {
      ...spec,
      checkpoints: [spec.checkpoints[0]],
      space: { optimizer: { SGD: { lr: [0.1], weight_decay: [1e-4], momentum: [0.9] } } },
      seeds: [0],
    });
    expect(created.status, created.text).toBe(201);
    const id = created.json.id as string;
    await stack.db.$executeRaw`
      UPDATE trials SET state = 'failed'::"TrialState", reason = 'failed', finished_at = now(),
        error = ${`cannot open ${RLO}gnp.tset\u202C (exit 1)`}, output_tail = ${`loading\n${RLO}321 hcope`},
        device = ${`cpu${RLO}0`}, backend = ${`\u2067wasm\u2069`}
      WHERE sweep_id = ${id}`;

    const page = await signedIn(stack.writeKey, `/sweeps/${id}`);
    await page.getByTestId('sweep-phase').waitFor();
    expect(await page.locator('h1').textContent()).toBe('bidi ⟨U+202E⟩gnp.tset');
    await page.locator('[data-testid="grid-cell"][data-state="failed"]').click();
    const error = page.getByTestId('trial-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('cannot open ⟨U+202E⟩gnp.tset⟨U+202C⟩ (exit 1)');
    expect(await error.locator('bdi').count()).toBe(1);
    // drawn left to right as written: "g" stands left of the "t" that follows it
    const inOrder = await error.evaluate((el) => {
      const node = el.querySelector('bdi')!.firstChild as Text;
      const at = (i: number) => {
        const r = document.createRange();
        r.setStart(node, i);
        r.setEnd(node, i + 1);
        return r.getBoundingClientRect().left;
      };
      const g = node.data.indexOf('gnp.tset');
      return at(g) < at(g + 7);
    });
    expect(inOrder).toBe(true);
    const panel = page.getByTestId('trial-panel');
    expect(await panel.locator('pre').textContent()).toBe('loading\n⟨U+202E⟩321 hcope');
    expect(await panel.locator('tr[data-trial]').textContent()).toContain(
      'cpu⟨U+202E⟩0⟨U+2067⟩wasm⟨U+2069⟩',
    );
    // no bidirectional control character anywhere in the page's text or attributes
    const controls = await page.evaluate(() => {
      const re = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;
      const attrs = [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].map((a) => a.value),
      );
      return [document.body.textContent ?? '', ...attrs].filter((t) => re.test(t)).length;
    });
    expect(controls).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'sweep-bidi.png'), fullPage: true });
    await page.context().close();
  });

  it('shows a read key no write buttons and a bad key no data', async () => {
    const reader = await signedIn(stack.readKey, `/sweeps/${sweepId}`);
    await reader.getByTestId('best-table').waitFor();
    expect(await reader.locator('[data-testid="grid-cell"]').count()).toBe(6);
    expect(await reader.getByTestId('cancel').count()).toBe(0);
    expect(await reader.getByTestId('retry-failed').count()).toBe(0);
    await reader.goto(`${stack.baseUrl}/new`);
    await reader.getByTestId('spec-input').waitFor();
    expect(await reader.getByTestId('submit').count()).toBe(0);
    await reader.context().close();

    const stranger = await signedIn('swk_not-a-real-key-at-all', `/sweeps/${sweepId}`);
    await stranger.getByTestId('sign-in-error').waitFor();
    expect(await stranger.locator('[data-testid="grid-cell"]').count()).toBe(0);
    expect(await stranger.getByTestId('best-table').count()).toBe(0);
    expect(await stranger.content()).not.toContain('dashboard-e2e');
    await stranger.screenshot({ path: join(SHOTS, 'sign-in-refused.png') });
    const api = await stranger.evaluate(
      async (id) => (await fetch(`/api/v1/sweeps/${id}/grid`)).status,
      sweepId,
    );
    expect(api).toBe(401);
    await stranger.context().close();
  });
});
