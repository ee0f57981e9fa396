/**
 * A regular expression with named groups: `epoch` and one group per metric, e.g.
 * `Epoch (?<epoch>\d+) .*val_acc=(?<val_acc>[\d.]+)`. Each matching line gives that epoch's metrics; groups
 * that did not take part in the match, or whose text is not a number, are left out.
 *
 * The pattern comes from a sweep file or a request, so it runs on RE2 (re2js, pure JavaScript): the time a match
 * takes grows linearly with the line, never exponentially as a backtracking engine's does on `(a|aa)+$`. What
 * RE2 cannot do (backreferences, lookaround) is refused with a message saying so. Linear is not free: the work
 * of one line is about (characters tried) x (size of the compiled pattern), and both are bounded here.
 */
import { RE2JS } from 're2js';
import { type MetricExtractor, validMetrics } from './epochs.ts';
import { explainRegexError } from './regex-syntax.ts';
import { isMetricName, parseMetricNumber, toEpoch } from './values.ts';

/** Longest pattern accepted. */
export const MAX_PATTERN_CHARS = 1000;

/**
 * Largest compiled pattern (RE2 program instructions). A realistic pattern with ten metrics compiles to about 260;
 * large repeat counts (`(?:.{100}){10}`) are what reach the limit.
 */
export const MAX_PATTERN_INSTRUCTIONS = 1000;

/**
 * A pattern is tried on at most this many characters at the start of each line (lines themselves are cut at
 * MAX_LINE_CHARS). With {@link MAX_PATTERN_INSTRUCTIONS} this bounds one line's matching to about 0.3 s on a
 * slow core in the worst case; ordinary patterns take well under a millisecond.
 */
export const MAX_MATCH_CHARS = 8192;

/** A bad pattern: the message says what is wrong, for the sweep file's issue list. */
export class MetricPatternError extends Error {}

/** A compiled metric pattern (RE2). */
export type MetricPattern = RE2JS;

function compileRe2(pattern: string): RE2JS {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_CHARS)
    throw new MetricPatternError(`the pattern must have 1 to ${MAX_PATTERN_CHARS} characters`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new MetricPatternError(explainRegexError(err));
  }
  const size = re.programSize();
  if (size > MAX_PATTERN_INSTRUCTIONS)
    throw new MetricPatternError(
      `the pattern is too large once compiled (program size ${size}, at most ${MAX_PATTERN_INSTRUCTIONS}): use smaller repeat counts, e.g. .* instead of .{500}`,
    );
  return re;
}

/** Compiles and checks a pattern: it must have an `epoch` group and at least one metric group. */
export function compileMetricPattern(pattern: string): MetricPattern {
  const re = compileRe2(pattern);
  const groups = Object.keys(re.namedGroups());
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

/** The named groups of the first match in a line's first {@link MAX_MATCH_CHARS} characters. */
function matchGroups(re: MetricPattern, line: string): Record<string, string | undefined> | null {
  const m = re.exec(line.length > MAX_MATCH_CHARS ? line.slice(0, MAX_MATCH_CHARS) : line);
  return (m as { groups?: Record<string, string | undefined> } | null)?.groups ?? null;
}

/** The regex source as an extractor: each matching line's metrics are emitted as they come. */
export function createRegexExtractor(pattern: string): MetricExtractor {
  const re = compileMetricPattern(pattern);
  return {
    push(line) {
      const groups = matchGroups(re, line);
      const epoch = toEpoch(groups?.epoch);
      if (!groups || epoch === null) return [];
      const entries: Array<[string, number]> = [];
      for (const [name, text] of Object.entries(groups)) {
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
