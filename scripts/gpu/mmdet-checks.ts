/**
 * The mmdet launch of scripts/gpu-check: the `mmdet` trainer (its own launcher: `tools/train.py` for one GPU,
 * `torch.distributed.run` for several) starts a stand-in `tools/train.py` (scripts/gpu/stand-ins/mmdet) on 1 and 2
 * GPUs; every rank reports its GPUs and an all-reduce (NCCL in real mode), rank 0 reports epochs, and the trial is
 * cancelled after its first epoch: it must end at once and leave no process behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MmdetTrainer } from '@sweeps/trainer-mmdet';
import { SlotLeases } from '../../apps/worker/src/slot-leases.ts';
import type { SlotDevice } from '../../apps/worker/src/slots.ts';
import { isAlive } from '../../packages/trainer-command/src/testing/processes.ts';
import type { CheckContext } from './command-checks.ts';
import { type CheckLine, firstLine, verdict } from './report.ts';
import { checkTrial, runTrial } from './trial-runner.ts';

class CancelledByCheck extends Error {
  constructor() {
    super('cancelled by gpu-check after the first epoch');
  }
}

interface RankInfo {
  pid: number;
  ppid: number;
  rank: number;
  world_size: number;
  visible: string;
  all_reduce: number;
  dist_backend?: string | null;
  device?: string;
  device_count?: number;
}

/** Polls `condition` every 50 ms until it holds or `ms` pass; true when it held. */
async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50)); // sleep-ok: polling a child process's files and pids
  }
  return true;
}

function readRanks(workDir: string): RankInfo[] {
  if (!existsSync(workDir)) return [];
  return readdirSync(workDir)
    .filter((f) => /^rank-\d+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(path.join(workDir, f), 'utf8')) as RankInfo)
    .sort((a, b) => a.rank - b.rank);
}

export async function checkMmdetLaunch(
  ctx: CheckContext,
  devices: SlotDevice[],
  gpus: number,
): Promise<CheckLine> {
  const check = `mmdet-${gpus}gpu`;
  if (devices.length < gpus)
    return {
      check,
      status: 'skip',
      reason: `needs ${gpus} GPUs, this machine has ${devices.length}`,
    };
  const real = ctx.torchPython !== null;
  const python =
    ctx.torchPython ?? path.join(ctx.root, 'scripts', 'gpu', 'stand-ins', 'fake-python');
  const trainer = new MmdetTrainer({ gate: ctx.gate });
  const trial = checkTrial(
    {
      kind: 'mmdet',
      version: 3,
      root: path.join(ctx.root, 'scripts', 'gpu', 'stand-ins', 'mmdet'),
      config: 'configs/gpu-check.py',
      python,
      gpus_per_trial: gpus,
      timeout_s: 120,
    },
    'bbox_mAP',
  );
  const workDir = path.join(ctx.workDir, 'trials', trial.trialId, 'work_dir');
  const controller = new AbortController();
  let firstEpoch = false;
  let visible = '';
  const started = Date.now();
  const running = runTrial({
    trainer,
    trial,
    leases: new SlotLeases(devices.slice(0, gpus)),
    workDir: ctx.workDir,
    baseEnv: { ...ctx.baseEnv, GPU_CHECK_DIST: real ? 'nccl' : 'none' },
    signal: controller.signal,
    onStart: (_d, env) => {
      visible = env.CUDA_VISIBLE_DEVICES ?? '';
    },
    onEpoch: (_epoch, metrics) => {
      firstEpoch ||= typeof metrics.bbox_mAP === 'number';
    },
  });
  let settled = false;
  void running.then(() => {
    settled = true;
  });
  const reported = await until(() => firstEpoch || settled, 90_000);
  const epochAfterS = (Date.now() - started) / 1000;
  await until(() => readRanks(workDir).length >= gpus || settled, 30_000);
  const ranks = readRanks(workDir);
  const cancelAt = Date.now();
  controller.abort(new CancelledByCheck());
  const outcome = await running;
  const stoppedAfterS = (Date.now() - cancelAt) / 1000;
  const pids = ranks.flatMap((r) => (gpus > 1 ? [r.pid, r.ppid] : [r.pid]));
  const gone = await until(() => pids.every((p) => !isAlive(p)), 15_000);
  const launch = outcome.output.find((l) => l.startsWith('mmdet: ')) ?? '';
  const expectedSum = (gpus * (gpus + 1)) / 2;
  const result = verdict([
    [
      reported && firstEpoch,
      `no epoch was reported${outcome.ok ? '' : `: ${firstLine(outcome.error)}`}`,
    ],
    [
      gpus === 1 || launch.includes('-m torch.distributed.run --nproc_per_node 2'),
      `the launcher did not use torch.distributed.run: ${launch}`,
    ],
    [ranks.length === gpus, `${ranks.length} of ${gpus} ranks started`],
    [
      ranks.every((r) => r.visible === visible && r.world_size === gpus),
      `a rank saw CUDA_VISIBLE_DEVICES or WORLD_SIZE other than ${visible} and ${gpus}`,
    ],
    [
      ranks.every((r) => r.all_reduce === expectedSum),
      `the all-reduce gave ${ranks.map((r) => r.all_reduce).join(', ')}, not ${expectedSum}`,
    ],
    [
      !real || ranks.every((r) => r.device_count === gpus),
      `a rank's PyTorch saw other than ${gpus} GPU(s)`,
    ],
    [
      !outcome.ok && outcome.error instanceof CancelledByCheck,
      `the trial did not end as cancelled: ${outcome.ok ? 'it succeeded' : firstLine(outcome.error)}`,
    ],
    [gone, `processes left after the cancel: ${pids.filter(isAlive).join(', ')}`],
  ]);
  const skipped = result.status === 'pass' && !real && !ctx.fake;
  return {
    check,
    ...(skipped
      ? {
          status: 'skip',
          reason: `${ctx.noTorch}: launched and cancelled through the stand-in launcher, no NCCL`,
        }
      : result),
    launch: launch
      .replace(/^mmdet: /, '')
      .replaceAll(ctx.root, '.')
      .replaceAll(ctx.workDir, '<work dir>'),
    cuda_visible_devices: visible,
    dist_backend: ranks[0]?.dist_backend ?? null,
    ranks: ranks.map((r) => ({
      rank: r.rank,
      visible: r.visible,
      all_reduce: r.all_reduce,
      device: r.device,
    })),
    first_epoch_after_s: Math.round(epochAfterS * 10) / 10,
    stopped_after_cancel_s: Math.round(stoppedAfterS * 10) / 10,
    processes_left: pids.filter(isAlive).length,
  };
}
