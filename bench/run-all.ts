/**
 * `npm run bench`: every benchmark in turn, one JSON object per line each. Figures and the machine they were
 * measured on go to BENCHMARKS.md by hand, with the command that repeats them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites: Array<[string, string[]]> = [
  ['sweep service (create, orchestration, reads)', ['npx', 'tsx', 'bench/sweep-service.bench.ts']],
  [
    'limits (cancel and delete of a 10,000-trial sweep, trial view of 10,000 epochs)',
    ['npx', 'tsx', 'bench/limits.bench.ts'],
  ],
  [
    'reads under load (50 readers, 5,000-trial sweep running)',
    ['npx', 'tsx', 'bench/load.bench.ts'],
  ],
  [
    'statements per trial (PostgreSQL and Redis, counted on the wire)',
    ['npx', 'tsx', 'bench/statements.bench.ts'],
  ],
  [
    'scale (500 in-process workers x 8 slots, one PostgreSQL, one Redis)',
    ['npx', 'tsx', 'bench/scale.bench.ts'],
  ],
  [
    'dashboard (10k-trial sweep page in Chromium, live result)',
    ['npx', 'tsx', 'bench/dashboard.bench.ts'],
  ],
  [
    'asha vs full grid (synthetic curves, stop-or-go and pausing)',
    ['npx', 'tsx', 'bench/asha.bench.ts'],
  ],
  // The replays of the real tfjs demo grid's recorded curves (seconds); running both sweeps again takes an hour
  // or more on 2 cores: `npx tsx bench/asha-tfjs.bench.ts`.
  [
    'asha vs full grid (the real tfjs demo grid, replayed from its recorded curves: Intel Xeon)',
    [
      'npx',
      'tsx',
      'bench/asha-tfjs.bench.ts',
      '--curves',
      'bench/fixtures/asha-tfjs-demo-grid-curves.json',
    ],
  ],
  [
    'asha vs full grid (the real tfjs demo grid, replayed from its recorded curves: AMD EPYC)',
    [
      'npx',
      'tsx',
      'bench/asha-tfjs.bench.ts',
      '--curves',
      'bench/fixtures/asha-tfjs-demo-grid-curves-amd.json',
    ],
  ],
  ['COCO evaluation (COCO-val-sized case)', ['npm', 'run', 'bench', '-w', '@sweeps/coco-eval']],
  [
    'TF.js trainer (reference ResNet, detector)',
    ['npm', 'run', 'bench:trainer', '-w', '@sweeps/trainer-tfjs', '--', '--json'],
  ],
];
const only = process.argv[2];
let failed = 0;
for (const [name, [cmd, ...args]] of suites) {
  if (only && !name.startsWith(only)) continue;
  console.log(`\n## ${name}\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd!, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${name} failed with exit code ${r.status})`);
  }
}
process.exitCode = failed ? 1 : 0;
