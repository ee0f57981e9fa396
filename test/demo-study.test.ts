/**
 * `npm run demo:study -- --quick` as a user runs it (its own API, worker, database and queue prefix): the three
 * recipes run as recipe trials and write their checkpoints with records, the study sweep finishes, the printed best
 * table has three rows with intervals, and the dashboard shows that table (Chromium), as GET best has it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services.ts';
import { REPO_ROOT } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const prefix = `e2e${randomBytes(4).toString('hex')}`;
const databaseUrl = TEST_DATABASE_URL.replace(/\/[^/]+$/, `/sweeps_${prefix}`);
const workDir = `.data/${prefix}-study`;
let demo: ChildProcess | undefined;
let browser: Browser | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

afterAll(async () => {
  await browser?.close();
  if (demo?.pid && demo.exitCode === null) {
    try {
      process.kill(-demo.pid, 'SIGKILL'); // the demo, its API and its worker (one process group)
    } catch {
      /* already gone */
    }
  }
  for (const dir of [workDir, `.data/${prefix}`])
    rmSync(path.join(REPO_ROOT, dir), { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "sweeps_${prefix}" WITH (FORCE)`).catch(() => {});
  await admin.end();
});

describe('npm run demo:study -- --quick', () => {
  it('makes three checkpoints by recipe, runs the study sweep and shows its best table', async () => {
    const port = await freePort();
    const output: string[] = [];
    demo = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/demo-study.ts', '--quick', '--no-build', '--work-dir', workDir],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          REDIS_URL: TEST_REDIS_URL,
          SWEEPS_QUEUE_PREFIX: prefix,
          SWEEPS_DATA_DIR: `${REPO_ROOT}.data/${prefix}`,
          PORT: String(port),
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const keep = (d: Buffer) => output.push(...d.toString().split('\n'));
    demo.stdout!.on('data', keep);
    demo.stderr!.on('data', keep);
    const text = () => output.join('\n');
    await waitFor(
      'the demo to print where to look',
      async () => {
        if (demo!.exitCode !== null)
          throw new Error(`the demo exited (${demo!.exitCode}):\n${text().slice(-3000)}`);
        return text().includes('Your write key:');
      },
      540_000,
      1000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${text().slice(-3000)}`);
    });
    const out = text();

    // three checkpoints, each with its recipe recorded beside it
    for (const recipe of ['base', 'rsb', 'tnr']) {
      const record = JSON.parse(
        readFileSync(
          path.join(REPO_ROOT, workDir, 'checkpoints', `${recipe}-seed0.record.json`),
          'utf8',
        ),
      );
      expect(record).toMatchObject({ recipe, seed: 0, epochs: 1 });
      expect(record.top1).toBeGreaterThanOrEqual(0);
      expect(record.sweepId).toMatch(/^sw_/);
      expect(out).toMatch(new RegExp(`\\| ${recipe} \\| ${recipe} \\| 1 \\| \\d\\.\\d{3} \\|`));
    }
    // the printed best table: base the baseline, rsb and tnr with a gain and its interval
    const rows = out
      .split('\n')
      .filter((l) => /^\| (base \(baseline\)|rsb|tnr) \| (SGD|AdamW)/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows.slice(1))
      expect(row).toMatch(/[+-]\d\.\d{4} \[-?\d\.\d{4}, -?\d\.\d{4}\]/);

    const sweepId = /Dashboard: +\S+\/sweeps\/(sw_\w+)/.exec(out)![1]!;
    const key = /SWEEPS_API_KEY=(\S+)/.exec(out)![1]!;
    const baseUrl = `http://127.0.0.1:${port}`;
    const sweep = await (
      await fetch(`${baseUrl}/api/v1/sweeps/${sweepId}`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json();
    expect(sweep.phase).toBe('finished');
    const best = await (
      await fetch(`${baseUrl}/api/v1/sweeps/${sweepId}/best`, {
        headers: { authorization: `Bearer ${key}` },
      })
    ).json();

    // the dashboard shows that table, intervals included
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/sweeps/${sweepId}`);
    await page.getByTestId('api-key').fill(key);
    await page.getByTestId('sign-in').click();
    await page
      .locator('[data-testid="best-table"] tbody tr[data-checkpoint="tnr"] [data-col="gain"]')
      .waitFor();
    const shown = await page.$$eval('[data-testid="best-table"] tbody tr', (trs) =>
      trs.map((tr) => ({
        checkpoint: (tr as HTMLElement).dataset.checkpoint,
        gain: tr.querySelector('[data-col="gain"]')?.getAttribute('data-value'),
        ci: tr.querySelector('[data-col="gain"]')?.getAttribute('data-ci'),
        text: tr.querySelector('[data-col="gain"]')?.textContent,
      })),
    );
    expect(shown.map((r) => r.checkpoint)).toEqual(['base', 'rsb', 'tnr']);
    for (const [i, row] of best.rows.entries()) {
      expect(shown[i]!.gain).toBe(row.gain === null ? '' : String(row.gain));
      expect(shown[i]!.ci).toBe(row.gain_ci95 ? row.gain_ci95.join(',') : '');
      if (!row.baseline) {
        expect(row.gain_ci95).toHaveLength(2);
        expect(shown[i]!.text).toMatch(/\[[+-]?\d/);
      }
    }
  }, 600_000);
});
