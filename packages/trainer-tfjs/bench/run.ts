/**
 * `npm run bench:trainer [-- --json] [--backend wasm|webgpu|...] [--only ref-resnet-64,...] [--steps N] [--torch]
 * [--repeat N]`
 *
 * Selects the backend as a trial would (or the forced one), runs each entry of bench/entries.ts and
 * prints one line per entry: a table, or with --json one JSON object per line. --torch also runs the
 * same reference ResNet in PyTorch on one thread (bench/ref_resnet_torch.py, needs python3-torch) right
 * after, in the same command, and prints the ratios; without torch it says so and goes on. --repeat runs
 * the whole round (entries, then PyTorch) N times, for shared machines where one round is noise.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseBackendName, selectBackend } from '../src/backend/select-backend.ts';
import { benchEntries } from './entries.ts';
import type { BenchLine } from './ref-resnet.ts';
import { runTorchReference, type TorchLine } from './torch-reference.ts';
import { ratioLine, type RatioLine } from './torch-ratio.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    backend: { type: 'string' },
    only: { type: 'string' },
    steps: { type: 'string' },
    torch: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
  },
});

function printTable(lines: BenchLine[], ratios: RatioLine[]): void {
  for (const line of lines) {
    const r = ratios.find((t) => t.name === line.name);
    const ratio = r
      ? `  = ${r.train_vs_pytorch}x PyTorch (${r.pytorch_train_images_per_s} img/s;` +
        ` per CPU second ${r.train_per_cpu_s_vs_pytorch}x)`
      : '';
    console.log(
      `${line.name.padEnd(16)} ${line.backend.padEnd(8)} train ${String(line.train_images_per_s).padStart(7)} img/s` +
        ` (${line.train_gflop_s ?? '?'} GFLOP/s)  inference ${String(line.inference_images_per_s).padStart(7)} img/s` +
        `  peak RSS ${line.peak_rss_mb} MB${ratio}`,
    );
  }
}

/** The 1-minute load average, rounded: what else the machine ran while this was measured. */
const load = (): number => Math.round(loadavg()[0]! * 100) / 100;

const force = values.backend === undefined ? undefined : parseBackendName(values.backend);
const backend = await selectBackend(force === undefined ? {} : { force });
const only = values.only?.split(',');
const steps = values.steps === undefined ? undefined : Number(values.steps);
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1)
  throw new Error('--repeat must be a whole number >= 1');
if (!values.json) console.log(`backend: ${backend.name} on ${backend.device}`);
for (let round = 1; round <= repeat; round++) {
  const lines: BenchLine[] = [];
  for (const entry of benchEntries.filter((e) => only === undefined || only.includes(e.name))) {
    const loadBefore = load();
    const line = await entry.run({
      backend,
      options: steps === undefined ? {} : { trainSteps: steps },
    });
    lines.push({ ...line, load_average: [loadBefore, load()], round });
    if (values.json) process.stdout.write(`${JSON.stringify(lines.at(-1))}\n`);
  }
  const torch: TorchLine[] = values.torch ? runTorchReference(lines.map((l) => l.name)) : [];
  const ratios = lines.flatMap((line) => {
    const reference = torch.find((t) => t.name === line.name);
    return reference ? [ratioLine(line, reference)] : [];
  });
  if (values.json) {
    for (const line of torch) process.stdout.write(`${JSON.stringify({ ...line, round })}\n`);
    for (const r of ratios) process.stdout.write(`${JSON.stringify({ ...r, round })}\n`);
  } else {
    printTable(lines, ratios);
  }
}
process.exit(0); // a WebGPU device would keep the event loop alive
