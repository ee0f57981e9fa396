/**
 * The command trainer's choice of metric source (`trainer.metrics` in the sweep file):
 * - `{ format: jsonl }` (default): stdout lines that are JSON objects with an integer `epoch`;
 * - `{ format: regex, pattern: "Epoch (?<epoch>\\d+).*mAP=(?<bbox_mAP>[\\d.]+)" }`: lines of stdout and stderr
 *   matching a pattern with named groups, `epoch` and one per metric;
 * - `{ format: file, path: "{snapshot_dir}/metrics.jsonl" }`: a JSON-lines or JSON file the command writes
 *   (placeholders allowed, relative to the command's directory), read while it runs and after it exits.
 */
import path from 'node:path';
import { substitute, type ParamValue } from '@sweeps/core';
import type { MetricExtractor } from './metrics/epochs.ts';
import { createJsonlExtractor } from './metrics/jsonl-source.ts';
import { createRegexExtractor } from './metrics/regex-source.ts';

/** `trainer.metrics` of a command sweep (core's schema has validated its shape). */
export type MetricSourceSpec =
  | { format: 'jsonl' }
  | { format: 'regex'; pattern: string }
  | { format: 'file'; path: string };

export interface MetricSource {
  extractor: MetricExtractor;
  streams: 'stdout' | 'both';
  /** The metric file to watch, for `format: file`. */
  file?: string;
  /** How to print a metric in this source, for the "never printed" message. */
  example(metricName: string): string;
}

const NONE: MetricExtractor = { push: () => [], end: () => [] };

export function createMetricSource(
  spec: MetricSourceSpec | undefined,
  values: Record<string, ParamValue | string>,
  cwd: string,
): MetricSource {
  if (!spec || spec.format === 'jsonl')
    return {
      extractor: createJsonlExtractor(),
      streams: 'stdout',
      example: (m) => `a JSON line such as {"epoch": 1, "${m}": 0.31}`,
    };
  if (spec.format === 'regex')
    return {
      extractor: createRegexExtractor(spec.pattern),
      streams: 'both',
      example: () => `a line matching ${spec.pattern}`,
    };
  const file = path.resolve(cwd, substitute(spec.path, values));
  return {
    extractor: NONE,
    streams: 'stdout',
    file,
    example: (m) => `${file} (JSON lines such as {"epoch": 1, "${m}": 0.31})`,
  };
}
