/**
 * Deterministic expansion of the conditional grid: per optimizer, the Cartesian product of its own lists.
 * Every cell gets a canonical config hash, so the same cell is recognised across extends and retries.
 */
import { canonicalJson, shortHash } from './canonical-json.ts';
import type { OptimizerName, SearchSpace } from './spec.ts';
import { OPTIMIZERS } from './spec.ts';

export type ParamValue = number | boolean;

/** One point of the search space: an optimizer and its hyperparameters. */
export interface Cell {
  optimizer: OptimizerName;
  params: Record<string, ParamValue>;
  /** 16 hex characters of SHA-256 over the canonical JSON of `{ optimizer, params }`. */
  configHash: string;
}

/** A value listed more than once in one list: kept once, and reported by the preview. */
export interface RefusedValue {
  path: string;
  value: ParamValue;
  reason: string;
}

/** Hyperparameters listed first, in this order; any others follow alphabetically. */
const PARAM_ORDER = ['lr', 'weight_decay', 'momentum'];

function orderedKeys(params: Record<string, unknown>): string[] {
  const keys = Object.keys(params).filter((k) => params[k] !== undefined);
  const known = PARAM_ORDER.filter((k) => keys.includes(k));
  return [...known, ...keys.filter((k) => !PARAM_ORDER.includes(k)).sort()];
}

export function configHashOf(optimizer: string, params: Record<string, ParamValue>): string {
  return shortHash(canonicalJson({ optimizer, params }));
}

function cartesian(lists: Array<[string, ParamValue[]]>): Array<Record<string, ParamValue>> {
  let rows: Array<Record<string, ParamValue>> = [{}];
  for (const [key, values] of lists) {
    rows = rows.flatMap((row) => values.map((v) => ({ ...row, [key]: v })));
  }
  return rows;
}

function dedupe(
  optimizer: string,
  key: string,
  values: ParamValue[],
  refused: RefusedValue[],
): ParamValue[] {
  const out: ParamValue[] = [];
  values.forEach((v, i) => {
    if (out.includes(v)) {
      refused.push({
        path: `space.optimizer.${optimizer}.${key}[${i}]`,
        value: v,
        reason: `${key} ${v} is listed twice for ${optimizer}; it runs once`,
      });
    } else out.push(v);
  });
  return out;
}

/** Counts the cells of a space without building them (used to refuse huge sweeps before any work). */
export function countCells(space: SearchSpace): number {
  let total = 0;
  for (const optimizer of OPTIMIZERS) {
    const lists = space.optimizer[optimizer] as
      | Record<string, ParamValue[] | undefined>
      | undefined;
    if (!lists) continue;
    total += Object.values(lists).reduce<number>((n, l) => n * (l ? new Set(l).size : 1), 1);
  }
  return total;
}

/** Expands the space into cells, optimizers in the order SGD, AdamW; values in the order written. */
export function expandSpace(space: SearchSpace): { cells: Cell[]; refused: RefusedValue[] } {
  const cells: Cell[] = [];
  const refused: RefusedValue[] = [];
  for (const optimizer of OPTIMIZERS) {
    const lists = space.optimizer[optimizer] as
      | Record<string, ParamValue[] | undefined>
      | undefined;
    if (!lists) continue;
    const keyed = orderedKeys(lists).map((k): [string, ParamValue[]] => [
      k,
      dedupe(optimizer, k, lists[k]!, refused),
    ]);
    for (const params of cartesian(keyed)) {
      cells.push({ optimizer, params, configHash: configHashOf(optimizer, params) });
    }
  }
  return { cells, refused };
}
