/**
 * Which of MMDetection's logged values become trial metrics, and under which name: the COCO families
 * (`bbox_mAP`, `bbox_mAP_50`, `bbox_mAP_75`, `bbox_mAP_s/m/l`, the same for `segm_`), every loss (`loss`,
 * `loss_cls`, `loss_rpn_bbox`, ...) and `lr`. mmengine (MMDetection 3.x) prefixes evaluator results with the
 * evaluator's name (`coco/bbox_mAP`): the prefix is dropped, so both versions store the same names.
 */

const COCO = /^(?:bbox|segm)_mAP(?:_(?:50|75|s|m|l))?$/;
const LOSS = /^loss(?:_[A-Za-z0-9_]{1,60})?$/;

/** The stored name of a logged key, or null when the key is not kept. */
export function mmdetMetricName(key: string): string | null {
  const slash = key.indexOf('/');
  const name = slash >= 0 && slash === key.lastIndexOf('/') ? key.slice(slash + 1) : key;
  return COCO.test(name) || LOSS.test(name) || name === 'lr' ? name : null;
}

/** True for evaluation results (the COCO families), false for training values (losses, lr). */
export function isEvaluationMetric(name: string): boolean {
  return COCO.test(name);
}

/** The six numbers of the pycocotools summary that MMDetection reports, by IoU and area of the AP lines. */
const SUMMARY_SUFFIX: Record<string, string> = {
  '0.50:0.95 all': '',
  '0.50 all': '_50',
  '0.75 all': '_75',
  '0.50:0.95 small': '_s',
  '0.50:0.95 medium': '_m',
  '0.50:0.95 large': '_l',
};

const AP_LINE =
  /Average Precision\s+\(AP\)\s+@\[\s*IoU=([\d.:]+)\s*\|\s*area=\s*(\w+)\s*\|\s*maxDets=\s*\d+\s*\]\s*=\s*(-?\d+(?:\.\d+)?)/;

/**
 * One line of pycocotools' summary table (`Average Precision (AP) @[ IoU=0.50:0.95 | area= all | maxDets=100 ]
 * = 0.374`) as `[name, value]`, e.g. `['bbox_mAP', 0.374]`; null for other lines (the recall lines among them).
 */
export function parseSummaryLine(line: string, iouType: string): [string, number] | null {
  const m = AP_LINE.exec(line);
  if (!m) return null;
  const suffix = SUMMARY_SUFFIX[`${m[1]} ${m[2]}`];
  return suffix === undefined ? null : [`${iouType}_mAP${suffix}`, Number(m[3])];
}
