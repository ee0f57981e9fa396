/**
 * `npm run bench:trainer [-- --json] [--backend wasm|webgpu|...] [--only ref-resnet-64,...] [--steps N] [--torch]`
 *
 * Selects the backend as a trial would (or the forced one), runs each entry of bench/entries.ts and
 * prints one line per entry: a table, or with --json one JSON object per line. --torch also runs the
 * same reference ResNet in PyTorch on one thread (bench/ref_resnet_torch.py, needs python3-torch) and
 * prints the ratio; without torch it says so and goes on.
 */
import { parseArgs } from 'node:util';
import { parseBackendName, selectBackend } from '../src/backend/select-backend.ts';
import { benchEntries } from './entries.ts';
import type { BenchLine } from './ref-resnet.ts';
import { runTorchReference, type TorchLine } from './torch-reference.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    backend: { type: 'string' },
    only: { type: 'string' },
    steps: { type: 'string' },
    torch: { type: 'boolean', default: false },
  },
});

function printTable(lines: BenchLine[], torch: TorchLine[]): void {
  for (const line of lines) {
    const reference = torch.find((t) => t.name === line.name);
    const ratio = reference
      ? `  = ${(line.train_images_per_s / reference.train_images_per_s).toFixed(2)}x PyTorch (${reference.train_images_per_s} img/s)`
      : '';
    console.log(
      `${line.name.padEnd(16)} ${line.backend.padEnd(8)} train ${String(line.train_images_per_s).padStart(7)} img/s` +
        ` (${line.train_gflop_s ?? '?'} GFLOP/s)  inference ${String(line.inference_images_per_s).padStart(7)} img/s` +
        `  peak RSS ${line.peak_rss_mb} MB${ratio}`,
    );
  }
}

const force = values.backend === undefined ? undefined : parseBackendName(values.backend);
const backend = await selectBackend(force === undefined ? {} : { force });
const only = values.only?.split(',');
const steps = values.steps === undefined ? undefined : Number(values.steps);
const lines: BenchLine[] = [];
for (const entry of benchEntries.filter((e) => only === undefined || only.includes(e.name))) {
  const line = await entry.run({
    backend,
    options: steps === undefined ? {} : { trainSteps: steps },
  });
  lines.push(line);
  if (values.json) process.stdout.write(`${JSON.stringify(line)}\n`);
}
const torch = values.torch ? runTorchReference(lines.map((l) => l.name)) : [];
if (values.json) {
  for (const line of torch) process.stdout.write(`${JSON.stringify(line)}\n`);
} else {
  console.log(`backend: ${backend.name} on ${backend.device}`);
  printTable(lines, torch);
}
process.exit(0); // a WebGPU device would keep the event loop alive
