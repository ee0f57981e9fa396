/**
 * `scripts/gpu-check [--fake] [--fake-gpus N] [--only slots,pinning,oom,mmdet,tfjs] [--tfjs-backend NAME]
 * [--work-dir DIR]`: checks a GPU node's paths without PostgreSQL, Redis or the network, driving the worker's slot
 * detection, the process runner and the trainers directly. One JSON line per check
 * (`{"check", "status": "pass"|"fail"|"skip", "mode", ...}`), then a summary line; exit code 1 when a check failed.
 * Real mode when `nvidia-smi` works and `--fake` is not given; fake mode puts a stand-in `nvidia-smi` on PATH and
 * runs stand-ins of PyTorch (docs/development.md#gpu-check).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type CheckContext, checkOutOfMemory, checkPinning, checkSlots } from './command-checks.ts';
import {
  fakeUuid,
  findTorchPython,
  gpuUuids,
  installFakeNvidiaSmi,
  nvidiaSmiWorks,
  repoRoot,
} from './environment.ts';
import { checkMmdetLaunch } from './mmdet-checks.ts';
import { Report } from './report.ts';
import { checkTfjs, FAKE_TFJS, REAL_TFJS } from './tfjs-checks.ts';
import { checkPolicy } from './trial-runner.ts';

const CHECKS = ['slots', 'pinning', 'oom', 'mmdet', 'tfjs'] as const;

const usage = `usage: scripts/gpu-check [--fake] [--fake-gpus N] [--only ${CHECKS.join(',')}] [--tfjs-backend NAME] [--work-dir DIR]
  real mode when nvidia-smi works (and --fake is not given); --fake: a stand-in nvidia-smi with N GPUs (default 2)
  and stand-ins for PyTorch. One JSON line per check; exit code 1 when one failed.`;

const { values } = parseArgs({
  options: {
    fake: { type: 'boolean', default: false },
    'fake-gpus': { type: 'string', default: '2' },
    only: { type: 'string', default: CHECKS.join(',') },
    'tfjs-backend': { type: 'string' },
    'work-dir': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const only = values.only.split(',').map((s) => s.trim());
const unknown = only.filter((c) => !(CHECKS as readonly string[]).includes(c));
const fakeGpus = Number(values['fake-gpus']);
if (unknown.length || !Number.isInteger(fakeGpus) || fakeGpus < 1 || fakeGpus > 8) {
  console.error(
    unknown.length
      ? `unknown check(s) ${unknown.join(', ')}: the checks are ${CHECKS.join(', ')}`
      : `--fake-gpus must be a whole number from 1 to 8, not "${values['fake-gpus']}"`,
  );
  console.error(usage);
  process.exit(2);
}

const started = Date.now();
const root = repoRoot();
const ownWorkDir = values['work-dir'] === undefined;
const workDir = values['work-dir']
  ? path.resolve(values['work-dir'])
  : mkdtempSync(path.join(tmpdir(), 'sweeps-gpu-check-'));
mkdirSync(workDir, { recursive: true });
const fake = values.fake || !nvidiaSmiWorks();
const report = new Report(fake ? 'fake' : 'real');
if (fake) installFakeNvidiaSmi(workDir, fakeGpus);
const torch = fake ? null : findTorchPython();
const torchPython = torch?.python ?? null;
const noTorch = torch && torch.python === null ? torch.why : null;
const fakePython = path.join(root, 'scripts', 'gpu', 'stand-ins', 'fake-python');
const policy = checkPolicy(
  [...new Set([torchPython ?? 'python3', 'python3', fakePython])],
  root,
  workDir,
);
const ctx: CheckContext = {
  root,
  workDir,
  fake,
  torchPython,
  noTorch,
  gate: policy.gate,
  baseEnv: policy.baseEnv,
  uuids: fake ? new Map(Array.from({ length: fakeGpus }, (_, i) => [i, fakeUuid(i)])) : gpuUuids(),
};

report.emit({
  check: 'environment',
  status: 'pass',
  host: hostname(),
  node: process.version,
  nvidia_smi: fake ? `stand-in listing ${fakeGpus} GPU(s)` : 'found',
  torch:
    torch === null
      ? 'stand-ins (fake mode)'
      : torch.python
        ? `${torch.version} (${torch.python})`
        : noTorch,
  when: new Date().toISOString(),
});
if (!fake && noTorch)
  report.emit({
    check: 'torch',
    status: 'skip',
    reason: `${noTorch}: the PyTorch parts are skipped (apt-get install python3-torch, or a CUDA wheel)`,
  });

try {
  const slots = await checkSlots(ctx, fakeGpus);
  if (only.includes('slots')) report.emit(slots.line);
  const devices = slots.devices;
  const needsGpu = (check: string) =>
    report.emit({ check, status: 'skip', reason: 'no GPU slot (see the slots check)' });
  if (only.includes('pinning'))
    devices.length ? report.emit(await checkPinning(ctx, devices)) : needsGpu('pinning');
  if (only.includes('oom'))
    devices.length ? report.emit(await checkOutOfMemory(ctx, devices)) : needsGpu('oom');
  if (only.includes('mmdet'))
    for (const gpus of [1, 2])
      devices.length
        ? report.emit(await checkMmdetLaunch(ctx, devices, gpus))
        : needsGpu(`mmdet-${gpus}gpu`);
  if (only.includes('tfjs')) {
    const settings = fake
      ? { ...FAKE_TFJS, backend: values['tfjs-backend'] ?? 'wasm' }
      : { ...REAL_TFJS, backend: values['tfjs-backend'] ?? 'webgpu' };
    for (const line of await checkTfjs(ctx, settings)) report.emit(line);
  }
} catch (err) {
  report.emit({
    check: 'gpu-check',
    status: 'fail',
    reason: `the check itself failed: ${(err as Error).stack ?? String(err)}`.slice(0, 2000),
  });
} finally {
  if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
}
const failed = report.count('fail');
report.emit({
  check: 'summary',
  status: failed ? 'fail' : 'pass',
  passed: report.count('pass'),
  failed,
  skipped: report.count('skip'),
  seconds: Math.round((Date.now() - started) / 100) / 10,
});
process.exit(failed ? 1 : 0);
