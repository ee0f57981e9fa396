import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';
import { FIXTURES, readExpected } from './test-support/fixtures.ts';

const BIN = resolve(FIXTURES, '../bin/coco-eval.mjs');
const gt1 = join(FIXTURES, 'case-1', 'gt.json');
const dt1 = join(FIXTURES, 'case-1', 'dt.json');

function bin(...args: string[]) {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmpdir() });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function inProcess(...args: string[]) {
  let stdout = '',
    stderr = '';
  const code = runCli(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'coco-eval-test-'));
function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('coco-eval bin (child process)', () => {
  it('prints pycocotools’ 12 summary lines', () => {
    const run = bin(gt1, dt1);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(
      readExpected('case-1', 'pycocotools.json')!.lines,
    );
    expect(run.stderr).toBe('');
  });

  it('--json prints one object with the 12 stats', () => {
    const run = bin(gt1, dt1, '--json', '--per-category');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { stats: number[]; perCategory: unknown[] };
    const expected = readExpected('case-1', 'pycocotools.json')!;
    doc.stats.forEach((v, i) => {
      expect(Math.abs(v - expected.stats[i]!)).toBeLessThanOrEqual(1e-12);
    });
    expect(doc.perCategory).toHaveLength(12);
  });

  it('exits 2 naming the entry for bad input, without a stack trace', () => {
    const dt = file(
      'bad-dt.json',
      JSON.stringify([
        { image_id: 1, category_id: 1, bbox: [0, 0, 5, 5], score: 1 },
        { image_id: 99999, category_id: 1, bbox: [0, 0, 5, 5], score: 1 },
      ]),
    );
    const run = bin(gt1, dt);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `coco-eval: ${dt}: detections[1] (image_id 99999): image_id 99999 is not an image of the ground truth\n`,
    );
    expect(run.stdout).toBe('');
  });
});

describe('coco-eval command (in process)', () => {
  it('exits 2 on malformed JSON', () => {
    const dt = file('malformed.json', '[{"image_id": 1,');
    const run = inProcess(gt1, dt);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^coco-eval: ${dt}: malformed JSON: `));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on a missing file', () => {
    const run = inProcess(join(scratch, 'nope.json'), dt1);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `coco-eval: ${join(scratch, 'nope.json')}: cannot read file (ENOENT)\n`,
    );
  });

  it('exits 2 naming the gt entry', () => {
    const gt = file(
      'bad-gt.json',
      JSON.stringify({
        images: [{ id: 1 }],
        categories: [{ id: 1 }],
        annotations: [
          { id: 42, image_id: 1, category_id: 1, bbox: [0, 0, 0, 3], area: 1, iscrowd: 0 },
        ],
      }),
    );
    const run = inProcess(gt, dt1);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `coco-eval: ${gt}: annotations[0] (id 42): bbox width must be > 0, got 0\n`,
    );
  });

  it('exits 2 with the usage on bad arguments', () => {
    expect(inProcess(gt1).code).toBe(2);
    const run = inProcess(gt1, dt1, '--jsn');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/usage: coco-eval GT.json DT.json/);
  });

  it('--help exits 0', () => {
    expect(inProcess('--help')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage:/),
    });
  });

  it('--per-category appends a table', () => {
    const run = inProcess(gt1, dt1, '--per-category');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(12 + 2 + 12);
    expect(lines[13]).toMatch(/^\s+id\s+name\s+AP\s+AP50/);
    expect(lines.at(-1)).toMatch(/^\s+12\s+c12\s+-\s+-/);
  });
});
