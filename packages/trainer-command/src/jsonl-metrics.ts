/** Reads metrics from a command's stdout: one JSON object per line with an `epoch`, other lines are plain output. */

export interface EpochLine {
  epoch: number;
  metrics: Record<string, number>;
}

/** Parses one stdout line; returns null for anything that is not a JSON object with a numeric `epoch`. */
export function parseMetricLine(line: string): EpochLine | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  const epoch = obj.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) return null;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'epoch') continue;
    if (typeof v === 'number') metrics[k] = v;
    // JSON has no NaN: a null for a metric, or "NaN", counts as NaN so divergence is visible.
    else if (v === null || v === 'NaN') metrics[k] = Number.NaN;
  }
  return { epoch, metrics };
}
