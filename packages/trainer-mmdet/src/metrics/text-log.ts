/**
 * MMDetection's text output, 2.x and 3.x: the `*.log` file and stdout, where the logger's lines, progress bars
 * and pycocotools' summary table are interleaved. Recognised anywhere in a line (a progress bar may be glued in
 * front of it):
 * - 2.x training `Epoch [3][50/7330]\tlr: 1.978e-03, ..., loss_cls: 0.9, loss: 1.8` and
 *   evaluation `Epoch(val) [3][625]\tbbox_mAP: 0.3740, bbox_mAP_50: 0.5810, ...`;
 * - 3.x training `Epoch(train)  [3][ 50/7330]  lr: 1.9820e-03  ...  loss: 1.8000` and
 *   evaluation `Epoch(val) [3][625/625]    coco/bbox_mAP: 0.3740  coco/bbox_mAP_50: 0.5810 ...`;
 * - the summary table (`Average Precision (AP) @[ IoU=0.50:0.95 | area= all | ...] = 0.374`), which comes
 *   before the evaluation line of its epoch: the evaluation line's 4-decimal numbers win over the table's three,
 *   and a table without an evaluation line counts for the epoch that was training.
 */
import {
  EpochCollector,
  type EpochLine,
  type MetricExtractor,
  parseMetricNumber,
  validMetrics,
} from '@sweeps/trainer-command/metrics';
import { mmdetMetricName, parseSummaryLine } from './names.ts';

const TRAIN = /Epoch(?:\(train\))?\s*\[(\d{1,7})\]\s*\[\s*\d+\s*\/\s*\d+\s*\]\s*(.*)$/;
const VAL = /Epoch\(val\)\s*\[(\d{1,7})\]\s*\[\s*\d+(?:\s*\/\s*\d+)?\s*\]\s*(.*)$/;
const PAIR = /([A-Za-z_][\w./-]{0,120}):\s+([^\s,]+)/g;
const IOU_TYPE = /Evaluat(?:e annotation type \*|ing )(bbox|segm)\b/;

/** A training line's epoch and the text after its `[iter/iters]`, or null for any other line. */
export function trainLine(line: string): { epoch: number; tail: string } | null {
  const m = TRAIN.exec(line);
  return m ? { epoch: Number(m[1]), tail: m[2]! } : null;
}

/** The kept `name: value` pairs of a logger line's tail. */
export function keyValues(text: string): Record<string, number> {
  const entries: Array<[string, number]> = [];
  for (const m of text.matchAll(PAIR)) {
    const name = mmdetMetricName(m[1]!);
    const value = parseMetricNumber(m[2]!);
    if (name !== null && value !== null) entries.push([name, value]);
  }
  return validMetrics(entries);
}

/** A stateful reader of MMDetection text output (either version). */
export class MmdetTextExtractor implements MetricExtractor {
  private readonly epochs = new EpochCollector();
  private table: Record<string, number> = {};
  private iouType = 'bbox';

  push(line: string): EpochLine[] {
    const val = VAL.exec(line);
    if (val) {
      const metrics = { ...this.table, ...keyValues(val[2]!) };
      this.table = {};
      return Object.keys(metrics).length ? this.epochs.add(Number(val[1]), metrics, true) : [];
    }
    const train = TRAIN.exec(line);
    if (train) {
      const out = this.flushTable();
      return [...out, ...this.epochs.add(Number(train[1]), keyValues(train[2]!))];
    }
    const type = IOU_TYPE.exec(line);
    if (type) this.iouType = type[1]!;
    const row = parseSummaryLine(line, this.iouType);
    if (row) this.table[row[0]] = row[1];
    return [];
  }

  end(): EpochLine[] {
    return [...this.flushTable(), ...this.epochs.flush()];
  }

  /** A summary table no evaluation line claimed: it belongs to the epoch that was training (or the first). */
  private flushTable(): EpochLine[] {
    if (Object.keys(this.table).length === 0) return [];
    const metrics = this.table;
    this.table = {};
    return this.epochs.add(this.epochs.current ?? 1, metrics, true);
  }
}
