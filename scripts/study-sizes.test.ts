import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { planWithTrainers } from '../packages/trainers/src/index.ts';
import { loadRecipes, recipeOptimizer } from '../packages/trainer-tfjs/src/pretrain/recipe.ts';
import { STUDY_SIZES, studyRecipeSweep, studySweep } from './study-sizes.ts';

const file = parse(
  readFileSync(new URL('../examples/study-in-miniature.yaml', import.meta.url), 'utf8'),
) as Record<string, unknown>;

describe('examples/study-in-miniature.yaml', () => {
  it('is the study’s shape: 3 checkpoints (base the baseline) x 6 SGD + 6 AdamW cells, asha pausing, confirm', () => {
    const plan = planWithTrainers(file);
    expect(plan.spec.checkpoints.map((c) => [c.name, c.baseline])).toEqual([
      ['base', true],
      ['rsb', false],
      ['tnr', false],
    ]);
    expect(plan.cells.filter((c) => c.optimizer === 'SGD')).toHaveLength(6);
    expect(plan.cells.filter((c) => c.optimizer === 'AdamW')).toHaveLength(6);
    expect(plan.totalTrials).toBe(36);
    expect(plan.spec.strategy).toMatchObject({ kind: 'asha', pause: true });
    expect(plan.spec.confirm).toEqual({ top: 2, seeds: [1, 2] });
  });
});

describe('the sizes of npm run demo:study', () => {
  for (const [name, size] of Object.entries(STUDY_SIZES)) {
    it(`${name}: the recipe sweeps and the study sweep plan with the trainer catalogue`, () => {
      for (const recipe of ['base', 'rsb', 'tnr']) {
        const r = loadRecipes()[recipe]!;
        const o = recipeOptimizer(r, size.pretrain.batch_size);
        const plan = planWithTrainers(
          studyRecipeSweep(size, recipe, o.lr, o.weight_decay ?? 0, '.data/x/checkpoints'),
        );
        expect(plan.totalTrials).toBe(1);
      }
      const plan = planWithTrainers(studySweep(size, file, '.data/x'));
      expect(plan.spec.checkpoints.map((c) => c.uri)).toEqual([
        '.data/x/checkpoints/base-seed0.safetensors',
        '.data/x/checkpoints/rsb-seed0.safetensors',
        '.data/x/checkpoints/tnr-seed0.safetensors',
      ]);
      expect((plan.spec.trainer.options as { data_dir: string }).data_dir).toBe(
        '.data/x/shapes-coco',
      );
      // the detector's backbone is the width the recipes pretrained
      expect((plan.spec.trainer.options as { width?: number }).width ?? 0.25).toBe(
        size.pretrain.width,
      );
      expect(plan.epochs?.rungs.length).toBeGreaterThan(0);
    });
  }
});

describe('docs/study.md: the same sweep on MMDetection', () => {
  it('is the study sweep with the trainer block and checkpoints swapped, and plans as an mmdet sweep', () => {
    const doc = readFileSync(new URL('../docs/study.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## The same sweep on MMDetection'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const swapped = parse(block) as Record<string, unknown>;
    const plan = planWithTrainers({ ...file, ...swapped });
    expect(plan.spec.trainer.kind).toBe('mmdet');
    expect(plan.spec.checkpoints.map((c) => c.name)).toEqual(['base', 'rsb', 'tnr']);
    expect(plan.totalTrials).toBe(36);
    expect(plan.spec.strategy).toMatchObject({ kind: 'asha', pause: true });
    expect(plan.spec.confirm).toEqual((file as { confirm: unknown }).confirm);
  });
});
