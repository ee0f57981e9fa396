/**
 * Writes a generated COCO-format detection set:
 *   npx tsx packages/trainer-tfjs/src/data/bin/generate.ts --out .data/shapes-coco [--seed 0] [--train-images 1000]
 *     [--val-images 200] [--min-size 64] [--max-size 256] [--classes circle,square,triangle,digit-2,digit-5,digit-7]
 * Prints a JSON summary (paths and counts) on stdout. Exit 2 on a bad flag.
 */
import { parseArgs } from 'node:util';
import { ALL_CLASSES } from '../classes.ts';
import { generateDetectionSet, type GenerateOptions } from '../generate.ts';

const INT_FLAGS = {
  seed: 'seed',
  'train-images': 'trainImages',
  'val-images': 'valImages',
  'min-size': 'minSize',
  'max-size': 'maxSize',
} as const;

function parseOptions(argv: string[]): GenerateOptions {
  const flags = [...Object.keys(INT_FLAGS), 'out', 'classes'];
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])),
  });
  const v = values as Record<string, string | undefined>;
  if (!v.out) throw new Error('--out <dir> is required');
  const options: GenerateOptions = { seed: 0, outDir: v.out };
  for (const [flag, key] of Object.entries(INT_FLAGS)) {
    const raw = v[flag];
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw))
      throw new Error(`--${flag} expects a non-negative integer, got "${raw}"`);
    options[key] = Number(raw);
  }
  if (v.classes) options.classes = v.classes.split(',').map((c) => c.trim());
  return options;
}

try {
  const started = performance.now();
  const result = generateDetectionSet(parseOptions(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\nclasses: ${ALL_CLASSES.join(', ')}\n`);
  process.exitCode = 2;
}
