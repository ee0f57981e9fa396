// Benchmark: the COCO-val-sized case (`gen_case.py 7 5000 80 50`: 5,000 images, ~35k boxes, ~245k detections),
// evaluated end to end by the `coco-eval` bin as a whole process (startup and JSON parsing included), pinned to
// one core, timed with /usr/bin/time for peak RSS; pycocotools beside it when it can be imported.
//
// usage: npm run bench -w @sweeps/coco-eval -- [--runs 3] [--python python3] [--pycocotools DIR] [--no-pycocotools]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const caseArgs = ['7', '5000', '80', '50'] as const;
const caseDir = join(root, '.cache', `case-${caseArgs.join('-')}`);
const gtPath = join(caseDir, 'gt.json');
const dtPath = join(caseDir, 'dt.json');
const TARGET_S = 3.5;
const TARGET_RSS_MB = 1536;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    python: { type: 'string', default: 'python3' },
    pycocotools: { type: 'string' },
    'no-pycocotools': { type: 'boolean', default: false },
  },
});

/** Wall seconds, CPU seconds (user + sys: robust when other processes share the core), peak RSS. */
interface Measure {
  seconds: number;
  cpuSeconds: number | undefined;
  rssMb: number | undefined;
  stdout: string;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Runs a command pinned to core 0 under `/usr/bin/time -v` when available; wall time and peak RSS. */
function measure(command: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const pinned = has('taskset') ? ['taskset', '-c', '0', ...command] : command;
  const timed = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-v', ...pinned] : pinned;
  const start = performance.now();
  const run = spawnSync(timed[0]!, timed.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0)
    throw new Error(`${command.join(' ')} failed (${run.status}):\n${run.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(
    run.stderr,
  );
  const wallSeconds = wall
    ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3])
    : seconds;
  const user = /User time \(seconds\): ([\d.]+)/.exec(run.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(run.stderr);
  const cpuSeconds = user && sys ? Number(user[1]) + Number(sys[1]) : undefined;
  return {
    seconds: wallSeconds,
    cpuSeconds,
    rssMb: rss ? Number(rss[1]) / 1024 : undefined,
    stdout: run.stdout,
  };
}

function ensureCase(): void {
  if (existsSync(gtPath) && existsSync(dtPath)) return;
  mkdirSync(caseDir, { recursive: true });
  console.log(`generating ${caseDir} with gen_case.py ${caseArgs.join(' ')} ...`);
  const gen = spawnSync(args.python, [join(root, 'scripts', 'gen_case.py'), ...caseArgs, caseDir], {
    stdio: 'inherit',
  });
  if (gen.status !== 0) throw new Error('gen_case.py failed (it needs python3 with numpy)');
}

function pycocotoolsEnv(): NodeJS.ProcessEnv | undefined {
  if (args['no-pycocotools']) return undefined;
  const env = {
    ...process.env,
    ...(args.pycocotools ? { PYCOCOTOOLS_DIR: args.pycocotools } : {}),
  };
  const probe = `import sys, os; sys.path.insert(0, os.environ.get('PYCOCOTOOLS_DIR', '.')); import numpy; from pycocotools import _mask`;
  return spawnSync(args.python, ['-c', probe], { env }).status === 0 ? env : undefined;
}

function best(runs: Measure[]): Measure {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function stats(m: Measure): number[] {
  return (JSON.parse(m.stdout) as { stats: number[] }).stats;
}

function main(): void {
  ensureCase();
  const runs = Number(args.runs);
  const ours = Array.from({ length: runs }, () =>
    measure([process.execPath, join(root, 'bin', 'coco-eval.mjs'), gtPath, dtPath, '--json']),
  );
  const mine = best(ours);
  const report: Record<string, unknown> = {
    case: `gen_case.py ${caseArgs.join(' ')}`,
    runs,
    cocoEval: {
      seconds: ours.map((m) => m.seconds),
      cpuSeconds: ours.map((m) => m.cpuSeconds),
      bestSeconds: mine.seconds,
      peakRssMb: Math.max(...ours.map((m) => m.rssMb ?? 0)),
    },
  };
  const peak = Math.max(...ours.map((m) => m.rssMb ?? 0));
  console.log(
    `coco-eval   : wall ${ours.map((m) => m.seconds.toFixed(2)).join(', ')} s; cpu ${ours.map((m) => m.cpuSeconds?.toFixed(2)).join(', ')} s; peak RSS ${peak.toFixed(0)} MB`,
  );
  const env = pycocotoolsEnv();
  if (env) {
    const py = measure(
      [args.python, join(root, 'scripts', 'pycoco_expected.py'), '--stats-only', gtPath, dtPath],
      env,
    );
    const diff = Math.max(...stats(py).map((v, i) => Math.abs(v - stats(mine)[i]!)));
    const cpuRatio = py.cpuSeconds && mine.cpuSeconds ? py.cpuSeconds / mine.cpuSeconds : undefined;
    report.pycocotools = {
      seconds: py.seconds,
      cpuSeconds: py.cpuSeconds,
      peakRssMb: py.rssMb,
      ratio: py.seconds / mine.seconds,
      cpuRatio,
      maxStatDiff: diff,
    };
    console.log(
      `pycocotools : wall ${py.seconds.toFixed(2)} s; cpu ${py.cpuSeconds?.toFixed(2)} s; peak RSS ${py.rssMb?.toFixed(0)} MB; ratio ${(py.seconds / mine.seconds).toFixed(1)}x wall, ${cpuRatio?.toFixed(1)}x cpu; max |stat diff| ${diff}`,
    );
  } else {
    console.log(
      `pycocotools : not importable with ${args.python} (pass --pycocotools DIR); ratio against the stated 36 s: ${(36 / mine.seconds).toFixed(1)}x`,
    );
  }
  const ok = mine.seconds <= TARGET_S && (mine.rssMb ?? 0) <= TARGET_RSS_MB;
  console.log(`target ≤ ${TARGET_S} s and ≤ ${TARGET_RSS_MB} MB: ${ok ? 'met' : 'MISSED'}`);
  writeFileSync(join(root, '.cache', 'bench-result.json'), `${JSON.stringify(report, null, 2)}\n`);
}

main();
