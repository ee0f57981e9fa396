/**
 * A regular expression with named groups: `epoch` and one group per metric, e.g.
 * `Epoch (?<epoch>\d+) .*val_acc=(?<val_acc>[\d.]+)`. Each matching line gives that epoch's metrics; groups
 * that did not take part in the match, or whose text is not a number, are left out.
 */
import { type MetricExtractor, validMetrics } from './epochs.ts';
import { isMetricName, parseMetricNumber, toEpoch } from './values.ts';

/** Longest pattern accepted. Lines are bounded too, which bounds the work of one match. */
export const MAX_PATTERN_CHARS = 1000;

/** A bad pattern: the message says what is wrong, for the sweep file's issue list. */
export class MetricPatternError extends Error {}

/** Compiles and checks a pattern: it must have an `epoch` group and at least one metric group. */
export function compileMetricPattern(pattern: string): RegExp {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_CHARS)
    throw new MetricPatternError(`the pattern must have 1 to ${MAX_PATTERN_CHARS} characters`);
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    throw new MetricPatternError(`not a valid regular expression: ${(err as Error).message}`);
  }
  const groups = [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
  if (!groups.includes('epoch'))
    throw new MetricPatternError('the pattern needs a named group "epoch", e.g. (?<epoch>\\d+)');
  const metrics = groups.filter((g) => g !== 'epoch');
  if (metrics.length === 0)
    throw new MetricPatternError(
      'the pattern needs a named group per metric, e.g. (?<bbox_mAP>[\\d.]+)',
    );
  const bad = metrics.find((g) => !isMetricName(g));
  if (bad) throw new MetricPatternError(`group name "${bad}" is not a metric name`);
  return re;
}

/** The regex source as an extractor: each matching line's metrics are emitted as they come. */
export function createRegexExtractor(pattern: string): MetricExtractor {
  const re = compileMetricPattern(pattern);
  return {
    push(line) {
      const m = re.exec(line);
      const epoch = toEpoch(m?.groups?.epoch);
      if (!m?.groups || epoch === null) return [];
      const entries: Array<[string, number]> = [];
      for (const [name, text] of Object.entries(m.groups)) {
        if (name === 'epoch' || text === undefined) continue;
        const n = parseMetricNumber(text);
        if (n !== null) entries.push([name, n]);
      }
      const metrics = validMetrics(entries);
      return Object.keys(metrics).length > 0 ? [{ epoch, metrics }] : [];
    },
    end: () => [],
  };
}
