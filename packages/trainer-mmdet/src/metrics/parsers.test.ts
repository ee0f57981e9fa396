import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractAll } from '@sweeps/trainer-command';
import { describe, expect, it } from 'vitest';
import { createMmdetExtractor } from './extractor.ts';
import { parseSummaryLine } from './names.ts';

const fixture = (name: string) =>
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name), 'utf8');
const parse = (name: string, version: 2 | 3) =>
  extractAll(createMmdetExtractor(version), fixture(name));

// The numbers below are those printed in each fixture (written to MMDetection's formats as its public logs show
// them): each test checks that the parser reports exactly what the log says, per epoch.
const V2_VAL_1 = {
  bbox_mAP: 0.213,
  bbox_mAP_50: 0.399,
  bbox_mAP_75: 0.207,
  bbox_mAP_s: 0.121,
  bbox_mAP_m: 0.243,
  bbox_mAP_l: 0.274,
};
const V2_VAL_2 = {
  bbox_mAP: 0.262,
  bbox_mAP_50: 0.457,
  bbox_mAP_75: 0.27,
  bbox_mAP_s: 0.149,
  bbox_mAP_m: 0.292,
  bbox_mAP_l: 0.338,
};
/** Epoch 2 as the 2.x text log and stdout print it: the validation line, then the epoch's last training line. */
const V2_TEXT_EPOCH_2 = {
  ...V2_VAL_2,
  lr: 0.02,
  loss_rpn_cls: 0.069,
  loss_rpn_bbox: 0.0793,
  loss_cls: 0.3402,
  loss_bbox: 0.2947,
  loss: 0.7832,
};

describe('MMDetection 2.x', () => {
  it('reads the .log.json: val lines per epoch, the last training losses of each epoch, NaN kept', () => {
    const epochs = parse('v2-faster-rcnn.log.json', 2);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs[0]!.metrics).toEqual({
      ...V2_VAL_1,
      lr: 0.02,
      loss_rpn_cls: 0.22104,
      loss_rpn_bbox: 0.09533,
      loss_cls: 0.48825,
      loss_bbox: 0.24316,
      loss: 1.04778,
    });
    expect(epochs[1]!.metrics).toMatchObject({ ...V2_VAL_2, loss: 0.78315, loss_cls: 0.34017 });
    expect(epochs[2]!.metrics.loss).toBeNaN();
    expect(epochs[2]!.metrics.bbox_mAP).toBeUndefined();
  });

  it('reads the text log: Epoch(val) lines and training lines with tabs', () => {
    const epochs = parse('v2-faster-rcnn.log', 2);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]!.metrics).toEqual({
      ...V2_VAL_1,
      lr: 3.976e-3,
      loss_rpn_cls: 0.221,
      loss_rpn_bbox: 0.0953,
      loss_cls: 0.4883,
      loss_bbox: 0.2432,
      loss: 1.0478,
    });
    expect(epochs[1]!.metrics).toEqual(V2_TEXT_EPOCH_2);
  });

  it('reads stdout: a progress bar glued to a line, the pycocotools table, gaps, no final newline', () => {
    const epochs = parse('v2-stdout.txt', 2);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]!.metrics).toMatchObject({ ...V2_VAL_1, loss: 1.0478 });
    // Epoch 2 has only the table (the output stops before its Epoch(val) line): the table is the result.
    expect(epochs[1]!.metrics).toEqual(V2_TEXT_EPOCH_2);
  });
});

describe('MMDetection 3.x', () => {
  const V3_VAL_1 = {
    bbox_mAP: 0.241,
    bbox_mAP_50: 0.433,
    bbox_mAP_75: 0.241,
    bbox_mAP_s: 0.139,
    bbox_mAP_m: 0.268,
    bbox_mAP_l: 0.311,
  };
  const V3_VAL_2 = {
    bbox_mAP: 0.287,
    bbox_mAP_50: 0.491,
    bbox_mAP_75: 0.296,
    bbox_mAP_s: 0.166,
    bbox_mAP_m: 0.318,
    bbox_mAP_l: 0.369,
  };

  it('reads the text log: coco/ prefix dropped, eta with a comma, val progress lines ignored', () => {
    const epochs = parse('v3-faster-rcnn.log', 3);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]!.metrics).toEqual({
      ...V3_VAL_1,
      lr: 1.992e-5,
      loss: 1.0247,
      loss_rpn_cls: 0.2311,
      loss_rpn_bbox: 0.0962,
      loss_cls: 0.4752,
      loss_bbox: 0.2222,
    });
    expect(epochs[1]!.metrics).toEqual({
      ...V3_VAL_2,
      lr: 1e-4,
      loss: 0.8029,
      loss_rpn_cls: 0.0821,
      loss_rpn_bbox: 0.0842,
      loss_cls: 0.3493,
      loss_bbox: 0.2873,
    });
  });

  it('reads vis_data/scalars.json: evaluation lines by their step, training lines by epoch', () => {
    const epochs = parse('v3-scalars.json', 3);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]!.metrics).toMatchObject({ ...V3_VAL_1, loss: 1.024712610244751 });
    expect(epochs[1]!.metrics).toMatchObject({ ...V3_VAL_2, lr: 0.0001, loss: 0.8029114127159118 });
    expect(Object.keys(epochs[0]!.metrics)).not.toContain('coco/bbox_mAP');
    expect(Object.keys(epochs[0]!.metrics)).not.toContain('grad_norm');
  });
});

describe('robustness', () => {
  it('maps the six AP lines of the summary and nothing else', () => {
    expect(
      parseSummaryLine(
        ' Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=1000 ] = 0.207',
        'segm',
      ),
    ).toEqual(['segm_mAP_75', 0.207]);
    expect(
      parseSummaryLine(
        ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.352',
        'bbox',
      ),
    ).toBeNull();
  });

  it('refuses bad names and numbers, and survives an enormous line', () => {
    const text = [
      `2023/06/12 08:50:21 - mmengine - INFO - Epoch(val) [1][625/625]    coco/bbox_mAP: 0.2x41  coco/bbox_mAP_50: 0.4330  coco/bbox_mAP_zz: 0.9`,
      'x'.repeat(200_000),
      `2023/06/12 08:50:43 - mmengine - INFO - Epoch(train)  [2][  50/7330]  lr: 1e-4  loss: inf  ${'loss_x: 1  '.repeat(20)}`,
      `{"mode": "val", "epoch": 99999999999, "bbox_mAP": 0.5}`,
    ].join('\n');
    const epochs = extractAll(createMmdetExtractor(3), text);
    expect(epochs).toEqual([
      { epoch: 1, metrics: { bbox_mAP_50: 0.433 } },
      { epoch: 2, metrics: { lr: 1e-4, loss: Number.POSITIVE_INFINITY, loss_x: 1 } },
    ]);
  });
});
