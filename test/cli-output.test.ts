/**
 * The CLI's output as programs read it: `check-log --json` prints only JSON on stdout (its sentence goes to
 * stderr) for every real MMDetection log among the parser fixtures, and a reader that closes the pipe early
 * (`| head -1`) ends the CLI quietly, without an EPIPE stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/stack.ts';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'apps/cli/src/main.ts');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const FIXTURES = path.join(REPO_ROOT, 'packages/trainer-mmdet/src/metrics/fixtures');

describe('CLI output read by programs', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => /^v[23]-/.test(f));

  it('has fixtures to read', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of fixtures) {
    it(`check-log --json prints only JSON for ${name}`, async () => {
      const parser = name.startsWith('v2') ? 'mmdet2' : 'mmdet3';
      const { stdout, stderr } = await run(TSX, [
        CLI,
        'check-log',
        path.join(FIXTURES, name),
        '--trainer',
        parser,
        '--json',
      ]);
      const epochs = JSON.parse(stdout) as Array<{ epoch: number; metrics: object }>;
      expect(epochs.length).toBeGreaterThan(0);
      expect(epochs[0]).toHaveProperty('metrics');
      expect(stderr).toMatch(/bbox_mAP found in \d+ of \d+ epoch/);
    });
  }

  it('ends quietly when the reader closes the pipe early', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-epipe-'));
    const log = path.join(dir, 'long.jsonl');
    // 20,000 epochs: far more table rows than a pipe buffer holds, so the CLI is still writing when head exits
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ epoch: i + 1, bbox_mAP: 0.1 + i * 1e-6 }),
    );
    writeFileSync(log, `${lines.join('\n')}\n`);
    const { stdout, stderr } = await run('bash', [
      '-c',
      `"${TSX}" "${CLI}" check-log "${log}" --trainer jsonl 2>"${dir}/err" | head -1; echo "cli=\${PIPESTATUS[0]}"; cat "${dir}/err"`,
    ]);
    expect(stdout).toMatch(/^epoch/);
    expect(stdout).toMatch(/cli=0/);
    expect(stdout).not.toMatch(/EPIPE|at \S+ \(/);
    expect(stderr).toBe('');
  });
});
