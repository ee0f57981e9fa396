/**
 * JSON lines: a line that is a JSON object with an integer `epoch` carries that epoch's metrics
 * (`{"epoch": 3, "bbox_mAP": 0.31, "loss": null}`); every other line is plain output. The one reader of JSON
 * metric lines in the project (the command trainer's stdout, metric files, the tfjs trial protocol).
 */
import { type EpochLine, type MetricExtractor, validMetrics } from './epochs.ts';
import { parseJsonObjectLine } from './json-line.ts';
import { toEpoch, toMetricNumber } from './values.ts';

/** The numeric fields of a JSON object (NaN/Infinity written as strings, null as NaN), names validated. */
export function metricsOfObject(
  obj: Record<string, unknown>,
  skip: ReadonlySet<string> = new Set(),
): Record<string, number> {
  const entries: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(obj)) {
    if (skip.has(k)) continue;
    const n = toMetricNumber(v);
    if (n !== null) entries.push([k, n]);
  }
  return validMetrics(entries);
}

const EPOCH_KEY = new Set(['epoch']);

/** Parses one line; null for anything that is not a JSON object with an integer `epoch`. */
export function parseMetricLine(line: string): EpochLine | null {
  const obj = parseJsonObjectLine(line);
  if (!obj) return null;
  const epoch = toEpoch(obj.epoch);
  if (epoch === null || typeof obj.epoch !== 'number') return null;
  return { epoch, metrics: metricsOfObject(obj, EPOCH_KEY) };
}

/** JSON lines as an extractor: each metric line is emitted as it comes. */
export function createJsonlExtractor(): MetricExtractor {
  return {
    push: (line) => {
      const parsed = parseMetricLine(line);
      return parsed ? [parsed] : [];
    },
    end: () => [],
  };
}
