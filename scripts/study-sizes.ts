/**
 * The sizes `npm run demo:study` runs at (full, `--medium`, `--quick`) and the sweeps it submits: one recipe sweep
 * per pretraining recipe, and `examples/study-in-miniature.yaml` with its paths moved to the run's directory and,
 * below full size, its grid, epochs and images reduced. Pure: no I/O.
 */

/** What one size sets. Absent fields keep the sweep file's (full size keeps all of it). */
export interface StudySize {
  summary: string;
  /** The detection set (generateDetectionSet's options, seed 0). */
  data: {
    trainImages: number;
    valImages: number;
    minSize: number;
    maxSize: number;
    classes: readonly string[];
    smallObjectSide: readonly [number, number];
  };
  /** trainer.options of the recipe trials (classification on rendered crops). */
  pretrain: {
    width: number;
    image_size: number;
    train_images: number;
    val_images: number;
    batch_size: number;
  };
  /** Epochs per recipe; absent: the recipe's own (12 / 30 / 30). */
  pretrainEpochs?: Record<string, number>;
  /** Overrides of the detection sweep. */
  detection?: {
    options: Record<string, unknown>;
    space?: Record<string, unknown>;
    epochs: number;
    strategy: Record<string, unknown>;
    confirm: { top: number; seeds: number[] };
  };
}

const SHAPES = ['circle', 'square', 'triangle', 'ring', 'cross'] as const;

export const STUDY_SIZES: Record<'full' | 'medium' | 'quick', StudySize> = {
  full: {
    summary:
      'recipes at their epochs on 4,000 crops; 3 checkpoints x 12 grid cells under asha, 6 epochs on 300 images, top 2 cells x 3 seeds',
    data: {
      trainImages: 300,
      valImages: 60,
      minSize: 64,
      maxSize: 128,
      classes: SHAPES,
      smallObjectSide: [12, 26],
    },
    pretrain: { width: 0.25, image_size: 64, train_images: 4000, val_images: 750, batch_size: 32 },
  },
  medium: {
    summary:
      'recipes at their epochs on 2,000 crops; 3 checkpoints x 12 grid cells under asha, 3 epochs on 150 images, top 2 cells x 3 seeds',
    data: {
      trainImages: 200,
      valImages: 50,
      minSize: 64,
      maxSize: 128,
      classes: SHAPES,
      smallObjectSide: [12, 26],
    },
    pretrain: { width: 0.25, image_size: 64, train_images: 2000, val_images: 500, batch_size: 32 },
    detection: {
      options: { steps: [2], train_images: 150 },
      epochs: 3,
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3, pause: true },
      confirm: { top: 2, seeds: [1, 2] },
    },
  },
  quick: {
    summary:
      'tiny: 1 pretraining epoch on 64 crops per recipe; 3 checkpoints x 2 grid cells, 2 epochs on 8 images, the top cell x 2 seeds',
    data: {
      trainImages: 8,
      valImages: 4,
      minSize: 64,
      maxSize: 96,
      classes: SHAPES,
      smallObjectSide: [12, 26],
    },
    pretrain: { width: 0.125, image_size: 32, train_images: 64, val_images: 30, batch_size: 16 },
    pretrainEpochs: { base: 1, rsb: 1, tnr: 1 },
    detection: {
      options: { width: 0.125, scale: 64, batch_size: 4, steps: [1] },
      space: {
        optimizer: {
          SGD: { lr: [0.02], weight_decay: [1e-4], momentum: [0.9] },
          AdamW: { lr: [1e-3], weight_decay: [0.05] },
        },
      },
      epochs: 2,
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3, pause: true },
      confirm: { top: 1, seeds: [1] },
    },
  },
};

/**
 * The recipe sweep of `recipe`: one scratch checkpoint, one cell (the recipe's lr at the batch size and its weight
 * decay, under the recipe's space key), seed 0, writing `<saveDir>/<recipe>-seed0.safetensors`.
 */
export function studyRecipeSweep(
  size: StudySize,
  recipe: string,
  lr: number,
  weightDecay: number,
  saveDir: string,
): Record<string, unknown> {
  const key = recipe === 'rsb' ? 'AdamW' : 'SGD'; // rsb trains with LAMB, held under AdamW
  const epochs = size.pretrainEpochs?.[recipe];
  return {
    name: `study-pretrain-${recipe}`,
    description: `the ${recipe} pretraining recipe, making the ${recipe} checkpoint of the study in miniature`,
    metric: { name: 'top1', goal: 'maximize' },
    trainer: {
      kind: 'tfjs',
      timeout_s: 7200,
      options: { task: 'classification', recipe, save_dir: saveDir, ...size.pretrain },
    },
    checkpoints: [{ name: 'random', uri: 'scratch' }],
    space: {
      optimizer: {
        [key]: {
          lr: [lr],
          weight_decay: [weightDecay],
          ...(key === 'SGD' ? { momentum: [0.9] } : {}),
        },
      },
    },
    ...(epochs ? { fixed: { epochs } } : {}),
    seeds: [0],
  };
}

/** The study sweep of the sweep file at `size`, its `.data/study` paths moved to `workDir`. */
export function studySweep(
  size: StudySize,
  file: Record<string, unknown>,
  workDir: string,
): Record<string, unknown> {
  const moved = JSON.parse(
    JSON.stringify(file).replaceAll('.data/study/', `${workDir.replace(/\/$/, '')}/`),
  ) as Record<string, unknown> & {
    trainer: { options: Record<string, unknown> };
    fixed: Record<string, unknown>;
  };
  const d = size.detection;
  if (!d) return moved;
  return {
    ...moved,
    trainer: { ...moved.trainer, options: { ...moved.trainer.options, ...d.options } },
    ...(d.space ? { space: d.space } : {}),
    fixed: { ...moved.fixed, epochs: d.epochs },
    strategy: d.strategy,
    confirm: d.confirm,
  };
}
