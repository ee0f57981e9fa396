/**
 * The `pretrain` job: `npm run backbone:pretrain -- --out .data/ckpt/base.safetensors
 * [--epochs 12] [--seed 0] [--depth 18] [--width 0.25] [--image-size 64] [--train-images 4000]
 * [--val-images 750] [--batch-size 32] [--lr 0.0125] [--backend wasm] [--snapshot-dir d]
 * [--recipe base|rsb|tnr] [--recipes-file f.json]`. A named recipe comes from the recipes file; its epochs and
 * lr apply unless given. Writes `<out>.record.json` beside the checkpoint (recipe, seed, epochs, top-1).
 * Prints one JSON line per epoch and a final `{"out": ..., "final": {...}}` line. Relative paths are taken from
 * the directory npm was run in.
 */
import { parseArgs } from 'node:util';

import { parseBackendName, selectBackend } from '../backend/select-backend.ts';
import { runPretrain, type PretrainOptions } from '../pretrain/pretrain.ts';
import { epochLine } from '../trainer/protocol.ts';

const NUMBER_FLAGS = {
  epochs: 'epochs',
  seed: 'seed',
  depth: 'depth',
  width: 'width',
  'image-size': 'imageSize',
  'train-images': 'trainImages',
  'val-images': 'valImages',
  'batch-size': 'batchSize',
  lr: 'lr',
} as const;

function parseCli(): { options: PretrainOptions; backend?: string } {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      backend: { type: 'string' },
      recipe: { type: 'string' },
      'recipes-file': { type: 'string' },
      'snapshot-dir': { type: 'string' },
      'checkpoint-dir': { type: 'string' }, // deprecated name of --snapshot-dir
      ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((k) => [k, { type: 'string' as const }])),
    },
  });
  if (!values.out) throw new Error('--out <file.safetensors> is required');
  const options: PretrainOptions = { out: values.out };
  for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
    const raw = (values as Record<string, string | undefined>)[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${flag} must be a positive number, got ${raw}`);
    (options as unknown as Record<string, number>)[key] = n;
  }
  if (options.depth !== undefined && ![18, 34, 50].includes(options.depth))
    throw new Error('--depth must be 18, 34 or 50');
  if (values.recipe) options.recipe = values.recipe;
  if (values['recipes-file']) options.recipesFile = values['recipes-file'];
  const snapshotDir = values['snapshot-dir'] ?? values['checkpoint-dir'];
  if (snapshotDir) options.snapshotDir = snapshotDir;
  return { options, ...(values.backend ? { backend: values.backend } : {}) };
}

async function main(): Promise<void> {
  if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']); // npm runs scripts in the package dir
  const { options, backend } = parseCli();
  const selected = await selectBackend(backend ? { force: parseBackendName(backend) } : {});
  process.stderr.write(`pretrain on ${selected.name}: ${selected.device}\n`);
  if (options.snapshotDir) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(options.snapshotDir, { recursive: true });
    options.resumeFrom = `${options.snapshotDir}/.`;
  }
  const result = await runPretrain({
    ...options,
    onEpoch: (epoch, metrics) => void process.stdout.write(`${epochLine(epoch, metrics)}\n`),
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `${JSON.stringify({ out: result.out, final: result.metrics, backend: selected.name, device: selected.device })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`pretrain: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
