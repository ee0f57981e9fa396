/**
 * MMDetection's JSON logs, one object per line, as Python's json writes them (bare `NaN` included):
 * - 2.x `<timestamp>.log.json`: `{"mode": "train", "epoch": 3, "iter": 50, "lr": ..., "loss": ...}` and
 *   `{"mode": "val", "epoch": 3, "iter": 625, "bbox_mAP": 0.374, ...}` (the first line, `env_info`, is skipped);
 * - 3.x `vis_data/scalars.json`: training `{"lr": ..., "loss": ..., "epoch": 3, "iter": 50, "step": 50}` and
 *   evaluation `{"coco/bbox_mAP": 0.374, ..., "step": 3}`, whose `step` is the epoch.
 */
import {
  EpochCollector,
  type EpochLine,
  type MetricExtractor,
  parseJsonObjectLine,
  toEpoch,
  toMetricNumber,
  validMetrics,
} from '@sweeps/trainer-command/metrics';
import { isEvaluationMetric, mmdetMetricName } from './names.ts';

function keptMetrics(obj: Record<string, unknown>): Record<string, number> {
  const entries: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = mmdetMetricName(k);
    const n = toMetricNumber(v);
    if (name !== null && n !== null) entries.push([name, n]);
  }
  return validMetrics(entries);
}

/** The epoch a JSON log line belongs to and whether it is an evaluation line; null for other lines. */
function placeOf(obj: Record<string, unknown>, metrics: Record<string, number>) {
  const evaluation =
    obj.mode === 'val' || (obj.mode === undefined && Object.keys(metrics).some(isEvaluationMetric));
  if (obj.mode !== undefined && obj.mode !== 'train' && obj.mode !== 'val') return null;
  const epoch =
    typeof obj.epoch === 'number'
      ? toEpoch(obj.epoch)
      : evaluation && typeof obj.step === 'number'
        ? toEpoch(obj.step)
        : null;
  return epoch === null ? null : { epoch, evaluation };
}

/** A stateful reader of MMDetection JSON log lines (either version). */
export class MmdetJsonExtractor implements MetricExtractor {
  private readonly epochs = new EpochCollector();

  push(line: string): EpochLine[] {
    const obj = parseJsonObjectLine(line);
    if (!obj) return [];
    const metrics = keptMetrics(obj);
    const place = placeOf(obj, metrics);
    if (!place || Object.keys(metrics).length === 0) return [];
    return this.epochs.add(place.epoch, metrics, place.evaluation);
  }

  end(): EpochLine[] {
    return this.epochs.flush();
  }
}
