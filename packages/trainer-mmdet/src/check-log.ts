/**
 * "What would be extracted from this log?": runs a sample (a log file, captured stdout, a JSON file) through a
 * metric source before any GPU is spent, and says whether the sweep's metric is in it. The CLI's `check-log` and
 * the API's `POST /api/v1/parsers/check` both call {@link checkLog}.
 */
import { DomainError } from '@sweeps/core';
import {
  createJsonlExtractor,
  createRegexExtractor,
  encodeMetricNumber,
  extractAll,
  type JsonMetricValue,
  type MetricExtractor,
  MetricPatternError,
} from '@sweeps/trainer-command/metrics';
import { createMmdetExtractor } from './metrics/extractor.ts';

/** The parsers a sample can be checked with. */
export const PARSER_HELP = 'mmdet2, mmdet3, jsonl or regex:PATTERN';

/** The extractor a parser name stands for; `INVALID_SPEC` naming `parser` when the name or pattern is bad. */
export function extractorFor(parser: string): MetricExtractor {
  if (parser === 'mmdet2') return createMmdetExtractor(2);
  if (parser === 'mmdet3') return createMmdetExtractor(3);
  if (parser === 'jsonl') return createJsonlExtractor();
  if (parser.startsWith('regex:')) {
    try {
      return createRegexExtractor(parser.slice('regex:'.length));
    } catch (err) {
      if (!(err instanceof MetricPatternError)) throw err;
      throw new DomainError('INVALID_SPEC', `parser: ${err.message}`, [
        { path: 'parser', message: err.message, value: parser },
      ]);
    }
  }
  throw new DomainError('INVALID_SPEC', `parser: use ${PARSER_HELP} (got "${parser}")`, [
    { path: 'parser', message: `use ${PARSER_HELP}`, value: parser },
  ]);
}

/** What a sample gives, per epoch, and whether the metric was found. */
export interface LogCheck {
  parser: string;
  metric: string;
  epochs: Array<{ epoch: number; metrics: Record<string, JsonMetricValue> }>;
  found: boolean;
  /** One sentence for people: where the metric was found, or that it never appeared and what did. */
  message: string;
}

export function checkLog(parser: string, sample: string, metric: string): LogCheck {
  const epochs = extractAll(extractorFor(parser), sample);
  const withMetric = epochs.filter((e) => metric in e.metrics);
  const last = withMetric.at(-1);
  const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))];
  const message = last
    ? `${metric} found in ${withMetric.length} of ${epochs.length} epoch(s); last: epoch ${last.epoch} = ${last.metrics[metric]}`
    : `metric ${metric} never appeared in the sample (${epochs.length} epoch(s) read${names.length ? `; names found: ${names.join(', ')}` : ''})`;
  return {
    parser,
    metric,
    epochs: epochs.map((e) => ({
      epoch: e.epoch,
      metrics: Object.fromEntries(
        Object.entries(e.metrics).map(([k, v]) => [k, encodeMetricNumber(v)]),
      ),
    })),
    found: last !== undefined,
    message,
  };
}
