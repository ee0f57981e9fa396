/**
 * The shape every metric source shares: lines in, per-epoch metrics out. A source emits an epoch's metrics as
 * soon as they are known (the same epoch may be emitted again with more or newer values: storing is an upsert per
 * epoch and name), so a running trial's metrics appear while it trains.
 */
import { LineSplitter } from './lines.ts';
import { MAX_METRICS_PER_EPOCH, isMetricName } from './values.ts';

/** One epoch's metrics, e.g. `{ epoch: 3, metrics: { bbox_mAP: 0.31, loss: 0.8 } }`. Epochs count from 1. */
export interface EpochLine {
  epoch: number;
  metrics: Record<string, number>;
}

/** A stateful reader of one output stream (or file) in one format. */
export interface MetricExtractor {
  /** Feeds one bounded line; returns the epochs whose metrics it completed or changed. */
  push(line: string): EpochLine[];
  /** End of input: whatever is still pending. */
  end(): EpochLine[];
}

/** Copies valid names with numeric values, at most {@link MAX_METRICS_PER_EPOCH} of them. */
export function validMetrics(entries: Iterable<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  let n = 0;
  for (const [name, value] of entries) {
    if (n >= MAX_METRICS_PER_EPOCH) break;
    if (!isMetricName(name) || typeof value !== 'number') continue;
    if (!(name in out)) n++;
    out[name] = value;
  }
  return out;
}

/**
 * Holds the epoch being read. Training lines of an epoch overwrite each other (the last value of a loss in an
 * epoch is the one kept) and are emitted when the next epoch starts or at the end; evaluation results (and
 * non-finite values) are emitted at once, with the epoch's training values.
 */
export class EpochCollector {
  private epoch: number | null = null;
  private metrics: Record<string, number> = {};
  private dirty = false;

  /**
   * Adds metrics of `epoch`; `now` emits the epoch at once (evaluation results). A NaN or infinite value is
   * emitted at once too, so a diverging run can be stopped without waiting for the end of its epoch.
   */
  add(epoch: number, metrics: Record<string, number>, now = false): EpochLine[] {
    const urgent = now || Object.values(metrics).some((v) => !Number.isFinite(v));
    const out: EpochLine[] = [];
    if (this.epoch !== null && this.epoch !== epoch) out.push(...this.flush());
    if (this.epoch !== epoch) this.metrics = {};
    this.epoch = epoch;
    const size = Object.keys(this.metrics).length;
    for (const [k, v] of Object.entries(metrics)) {
      if (!(k in this.metrics) && size >= MAX_METRICS_PER_EPOCH) continue;
      this.metrics[k] = v;
      this.dirty = true;
    }
    if (urgent) out.push(...this.flush());
    return out;
  }

  /** The held epoch if anything changed since it was last emitted. */
  flush(): EpochLine[] {
    if (this.epoch === null || !this.dirty) return [];
    this.dirty = false;
    return [{ epoch: this.epoch, metrics: { ...this.metrics } }];
  }

  /** The epoch being read, if any. */
  get current(): number | null {
    return this.epoch;
  }
}

/** Runs a whole text through an extractor and merges what it emitted, one entry per epoch in epoch order. */
export function extractAll(extractor: MetricExtractor, text: string): EpochLine[] {
  const splitter = new LineSplitter();
  const emitted: EpochLine[] = [];
  for (const line of [...splitter.push(text), ...splitter.end()])
    emitted.push(...extractor.push(line));
  emitted.push(...extractor.end());
  return mergeEpochs(emitted);
}

/** Merges emitted epochs (later values win), sorted by epoch. */
export function mergeEpochs(lines: EpochLine[]): EpochLine[] {
  const byEpoch = new Map<number, Record<string, number>>();
  for (const l of lines) byEpoch.set(l.epoch, { ...byEpoch.get(l.epoch), ...l.metrics });
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, metrics]) => ({ epoch, metrics }));
}
