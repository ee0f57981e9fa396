import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { planSweep } from '../packages/core/src/index.ts';
import {
  checkpointLocation,
  deriveConfigText,
  MmdetTrainerSpecSchema,
  mmdetSpecCheck,
} from '../packages/trainer-mmdet/src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const plan = planSweep(parse(readFileSync(join(here, 'mmdet-study.yaml'), 'utf8')), {}, [
  mmdetSpecCheck,
]);

describe('examples/mmdet-study.yaml', () => {
  it("is the study's grids as one valid mmdet sweep: 18 cells x 4 checkpoints", () => {
    expect(plan.cells.filter((c) => c.optimizer === 'SGD')).toHaveLength(6);
    expect(plan.cells.filter((c) => c.optimizer === 'AdamW')).toHaveLength(12);
    expect(plan.totalTrials).toBe(72);
    expect(plan.spec.checkpoints.find((c) => c.baseline)?.name).toBe('torchvision');
  });

  it('loads the mmcls checkpoint with prefix backbone. and the torchvision one by URL', () => {
    const spec = MmdetTrainerSpecSchema.parse(plan.spec.trainer);
    const mmcls = plan.spec.checkpoints.find((c) => c.name === 'mmcls-rsb-a1')!;
    const text = deriveConfigText({
      spec,
      trial: {
        trialId: 't',
        sweepId: 's',
        ...plan.cells[7]!,
        fixed: plan.spec.fixed,
        seed: 0,
        checkpoint: mmcls,
      },
      baseConfig: '/opt/mmdetection/configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
      checkpointPath: checkpointLocation(mmcls, spec.root).path,
      resume: false,
    });
    expect(text).toContain("prefix='backbone.'");
    expect(text).toContain("type='AdamW'");
    expect(checkpointLocation(plan.spec.checkpoints[0]!, spec.root).path).toBe(
      'torchvision://resnet50',
    );
  });
});
