/**
 * The checks of scripts/gpu-check that run `command` trials: the worker's slots from nvidia-smi, two trials at
 * once each pinned to its own GPU, and a trial that runs out of GPU memory (reason `oom`) followed by one that
 * runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import type { CommandGate } from '@sweeps/core';
import { CommandTrainer } from '@sweeps/trainer-command';
import { SlotLeases } from '../../apps/worker/src/slot-leases.ts';
import { detectSlots, type SlotDevice } from '../../apps/worker/src/slots.ts';
import { type CheckLine, firstLine, verdict } from './report.ts';
import { checkTrial, runTrial, type TrialOutcome } from './trial-runner.ts';

/** What the checks share: where things are, which Python runs the trials, the worker's policy. */
export interface CheckContext {
  root: string;
  workDir: string;
  fake: boolean;
  /** The Python with PyTorch and CUDA, or null (fake mode, or none on this machine: `noTorch` says why). */
  torchPython: string | null;
  noTorch: string | null;
  gate: CommandGate;
  baseEnv: Record<string, string>;
  uuids: Map<number, string>;
}

const standIn = (ctx: CheckContext, name: string) =>
  path.join(ctx.root, 'scripts', 'gpu', 'stand-ins', name);

/** The worker's slots, as it detects them at start (its own CUDA_VISIBLE_DEVICES honoured). */
export async function checkSlots(
  ctx: CheckContext,
  expectedFake: number,
): Promise<{ line: CheckLine; devices: SlotDevice[] }> {
  const devices = await detectSlots(undefined, process.env.CUDA_VISIBLE_DEVICES);
  const gpus = devices.filter((d) => d.kind === 'gpu');
  let listed = -1;
  try {
    listed = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 20_000 })
      .split('\n')
      .filter((l) => /^GPU \d+:/.test(l)).length;
  } catch {}
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const line: CheckLine = {
    check: 'slots',
    ...verdict([
      [
        gpus.length > 0,
        'the worker found no GPU: nvidia-smi lists none (is the NVIDIA driver loaded?)',
      ],
      [gpus.length === devices.length, 'some slots are not GPUs'],
      [
        !ctx.fake || gpus.length === expectedFake,
        `the fake nvidia-smi lists ${expectedFake} GPUs, the worker made ${gpus.length} slots`,
      ],
      [
        visible !== undefined || gpus.length === listed,
        `nvidia-smi -L lists ${listed} GPUs, the worker made ${gpus.length} slots`,
      ],
      [
        gpus.every((g) => g.name && (g.memoryMb ?? 0) > 0),
        'a GPU without a name or memory in nvidia-smi --query-gpu=index,name,memory.total',
      ],
    ]),
    count: gpus.length,
    listed_by_nvidia_smi: listed,
    ...(visible !== undefined ? { worker_cuda_visible_devices: visible } : {}),
    devices: gpus.map((g) => ({
      slot: g.slot,
      index: g.index,
      name: g.name,
      memory_mb: g.memoryMb,
    })),
  };
  return { line, devices: gpus };
}

/** What report_gpu.py printed on its `GPU_CHECK {...}` line. */
interface Seen {
  visible: string | null;
  device_count: number;
  saw_peers: boolean;
  started: number;
  ended: number;
  cuda_available?: boolean;
  name?: string;
  memory_mib?: number;
  uuid?: string | null;
  sum?: number;
}

function seenBy(outcome: TrialOutcome): Seen | null {
  const line = outcome.output.find((l) => l.startsWith('GPU_CHECK '));
  return line ? (JSON.parse(line.slice('GPU_CHECK '.length)) as Seen) : null;
}

function reportCommand(ctx: CheckContext, peersDir: string | null, peers: number): string[] {
  return [
    ctx.torchPython ?? 'python3',
    standIn(ctx, 'report_gpu.py'),
    ...(ctx.torchPython ? ['--torch'] : []),
    ...(peersDir ? ['--peers-dir', peersDir, '--peers', String(peers)] : []),
  ];
}

/** What is wrong with what one trial saw on its slot, or null. */
function pinningProblem(
  ctx: CheckContext,
  outcome: TrialOutcome,
  seen: Seen | null,
): string | null {
  const device = outcome.devices[0]!;
  if (!outcome.ok) return `the trial on slot ${device.slot} failed: ${firstLine(outcome.error)}`;
  if (!seen) return `the trial on slot ${device.slot} printed no GPU_CHECK line`;
  if (seen.visible !== String(device.index))
    return `the trial on slot ${device.slot} saw CUDA_VISIBLE_DEVICES=${seen.visible}, not ${device.index}`;
  if (seen.device_count !== 1)
    return `the trial on slot ${device.slot} saw ${seen.device_count} GPUs, not 1`;
  if (!ctx.torchPython) return null;
  if (!seen.cuda_available) return `PyTorch found no CUDA device on slot ${device.slot}`;
  if (seen.sum !== 256 ** 3) return `a matrix product on slot ${device.slot} gave ${seen.sum}`;
  const uuid = ctx.uuids.get(device.index ?? -1);
  const bare = (u: string) => u.toLowerCase().replace(/^gpu-/, '');
  if (uuid && seen.uuid && bare(seen.uuid) !== bare(uuid))
    return `the trial on slot ${device.slot} opened ${seen.uuid}, not GPU ${device.index} (${uuid})`;
  if (!seen.uuid && seen.name !== device.name)
    return `the trial on slot ${device.slot} opened a ${seen.name}, not GPU ${device.index} (${device.name})`;
  return null;
}

/**
 * Two command trials submitted at once, one slot each: with two GPUs or more they run together (each waits until
 * the other has started) and each sees only its own GPU; with one GPU the second waits for the slot (one trial per
 * GPU is the worker's rule) and both see GPU 0.
 */
export async function checkPinning(ctx: CheckContext, devices: SlotDevice[]): Promise<CheckLine> {
  const leases = new SlotLeases(devices.slice(0, 2));
  const together = devices.length >= 2;
  const peersDir = together ? mkdtempSync(path.join(ctx.workDir, 'peers-')) : null;
  const trainer = new CommandTrainer(ctx.root, { gate: ctx.gate });
  const run = () =>
    runTrial({
      trainer,
      trial: checkTrial(
        { kind: 'command', command: reportCommand(ctx, peersDir, 2), timeout_s: 120 },
        'gpu_check',
      ),
      leases,
      workDir: ctx.workDir,
      baseEnv: ctx.baseEnv,
    });
  const outcomes = await Promise.all([run(), run()]);
  const seen = outcomes.map(seenBy);
  const problems = outcomes.map((o, i) => pinningProblem(ctx, o, seen[i]!)).filter(Boolean);
  const [a, b] = seen;
  const overlap = Boolean(a && b && a.started < b.ended && b.started < a.ended);
  const conditions: Array<[boolean, string]> = [
    [problems.length === 0, problems.join('; ')],
    together
      ? [
          overlap && seen.every((s) => s?.saw_peers),
          'the two trials did not run at the same time on their two slots',
        ]
      : [!overlap, 'two trials ran at once on the one GPU (the worker runs one trial per GPU)'],
  ];
  const result = verdict(conditions);
  const skipped = result.status === 'pass' && !ctx.torchPython && !ctx.fake;
  return {
    check: 'pinning',
    ...(skipped
      ? {
          status: 'skip',
          reason: `${ctx.noTorch}: each trial got its own CUDA_VISIBLE_DEVICES, but no CUDA device was opened`,
        }
      : result),
    policy: together
      ? 'two slots, two trials at once'
      : 'one GPU: one slot, the second trial waited for it',
    seen_by: ctx.torchPython ? 'PyTorch CUDA' : 'CUDA_VISIBLE_DEVICES (stand-in, no torch)',
    trials: outcomes.map((o, i) => ({
      slot: o.devices.map((d) => d.slot).join(','),
      gpu: o.devices.map((d) => d.index).join(','),
      state: o.ok ? 'succeeded' : `failed (${o.reason})`,
      visible: seen[i]?.visible ?? null,
      device_count: seen[i]?.device_count ?? null,
      ...(seen[i]?.name ? { name: seen[i]!.name, memory_mib: seen[i]!.memory_mib } : {}),
      ...(seen[i]?.uuid ? { uuid: seen[i]!.uuid } : {}),
    })),
    ran_together: overlap,
  };
}

/**
 * A trial that allocates past its GPU's memory fails with reason `oom`, and the next trial on the same slot runs
 * (its GPU memory was given back when the process ended).
 */
export async function checkOutOfMemory(
  ctx: CheckContext,
  devices: SlotDevice[],
): Promise<CheckLine> {
  if (!ctx.fake && !ctx.torchPython)
    return {
      check: 'oom',
      status: 'skip',
      reason: `${ctx.noTorch}: nothing here can fill GPU memory`,
    };
  const leases = new SlotLeases(devices.slice(0, 1));
  const trainer = new CommandTrainer(ctx.root, { gate: ctx.gate });
  const oom = await runTrial({
    trainer,
    trial: checkTrial(
      {
        kind: 'command',
        command: [
          ctx.torchPython ?? 'python3',
          path.join(ctx.root, 'scripts', 'gpu', 'stand-ins', 'oom.py'),
          ...(ctx.torchPython ? ['--torch'] : []),
        ],
        timeout_s: 180,
      },
      'loss',
    ),
    leases,
    workDir: ctx.workDir,
    baseEnv: ctx.baseEnv,
  });
  const next = await runTrial({
    trainer,
    trial: checkTrial(
      { kind: 'command', command: reportCommand(ctx, null, 1), timeout_s: 120 },
      'gpu_check',
    ),
    leases,
    workDir: ctx.workDir,
    baseEnv: ctx.baseEnv,
  });
  const nextSeen = seenBy(next);
  const nextProblem = pinningProblem(ctx, next, nextSeen);
  return {
    check: 'oom',
    ...verdict([
      [!oom.ok, 'the trial that fills GPU memory succeeded'],
      [
        !oom.ok && oom.reason === 'oom',
        `the trial that ran out of GPU memory failed with reason ${oom.ok ? '-' : oom.reason}, not oom`,
      ],
      [nextProblem === null, `the next trial on the slot: ${nextProblem}`],
    ]),
    slot: oom.devices[0]?.slot,
    recorded_reason: oom.ok ? null : oom.reason,
    error: oom.ok ? null : firstLine(oom.error),
    next_trial: next.ok ? 'succeeded' : `failed (${next.reason}): ${firstLine(next.error)}`,
  };
}
