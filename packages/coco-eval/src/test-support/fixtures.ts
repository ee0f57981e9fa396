import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDetections, loadGroundTruth } from '../read-json.ts';
import type { CocoDetection, CocoGroundTruth } from '../types.ts';

/** packages/coco-eval/fixtures */
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures');

/** What scripts/pycoco_expected.py recorded from pycocotools for a case. */
export interface PycocoExpected {
  useCats: boolean;
  stats: number[];
  lines: string[];
  perCategory: { categoryId: number; stats: number[] }[];
  recall: number[];
  precisionSumOverR: number[];
  scoresSumOverR: number[];
}

export function listCases(prefix = ''): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => name.startsWith(prefix))
    .sort();
}

export function loadCase(name: string): { gt: CocoGroundTruth; dts: CocoDetection[] } {
  const gt = loadGroundTruth(join(FIXTURES, name, 'gt.json'));
  return { gt, dts: loadDetections(join(FIXTURES, name, 'dt.json'), gt) };
}

export function readExpected(name: string, file: string): PycocoExpected | undefined {
  const path = join(FIXTURES, name, file);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as PycocoExpected) : undefined;
}

/** The largest absolute difference between two equally long number lists. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Sums a [T][R][...rest] C-order array over R, giving [T][...rest] (as numpy's `sum(axis=1)`). */
export function sumOverSecondAxis(data: Float64Array, shape: number[]): number[] {
  const [T, R] = [shape[0]!, shape[1]!];
  const rest = data.length / (T * R);
  const out = new Array<number>(T * rest).fill(0);
  for (let t = 0; t < T; t++)
    for (let r = 0; r < R; r++)
      for (let i = 0; i < rest; i++) out[t * rest + i]! += data[(t * R + r) * rest + i]!;
  return out;
}
