import { describe, expect, it } from 'vitest';
import type { TrainerSection, TrialRun } from './trainer.ts';
import {
  dependsOnTrial,
  leaveToSnapshotHolder,
  refuseOnWorker,
  routeAwayDelayMs,
  sectionForTrial,
  someAccepts,
} from './trial-routing.ts';
import { refuseCommand, type WorkerPolicy } from './worker-policy.ts';

const policy = (...commands: string[]): WorkerPolicy => ({
  commands,
  env: [],
  cwdRoots: ['/w'],
  workDir: '/w',
});
// the command kind's rule, reduced to the command (its own tests cover the rest)
const refusal = (p: WorkerPolicy, s: TrainerSection) =>
  refuseCommand(p, (s.command as string[]) ?? [''], '/w', { unknown: (a) => a.includes('{') });

const run = (params: Record<string, unknown>, trainer: TrainerSection): TrialRun => ({
  trialId: 'tr_1',
  sweepId: 'sw_1',
  checkpoint: { name: 'base', uri: 'file:///c.bin' },
  optimizer: 'SGD',
  params: params as TrialRun['params'],
  fixed: { epochs: 3 },
  seed: 0,
  trainer,
  metricName: 'acc',
});

describe('routing by capability', () => {
  const mixed = { kind: 'command', command: ['{runtime}', 'train.{ext}', '--lr', '{lr}'] };

  it('substitutes the trial placeholders and keeps the worker ones', () => {
    const s = sectionForTrial(
      run(
        { runtime: 'python3', ext: 'py', lr: 0.1 },
        {
          ...mixed,
          command: [...mixed.command, '{snapshot_dir}', '{{x}}'],
        },
      ),
    );
    expect(s.command).toEqual(['python3', 'train.py', '--lr', '0.1', '{snapshot_dir}', '{{x}}']);
  });

  it('judges each trial of a mixed sweep by its own command', () => {
    const node = { policy: policy('node'), slots: 2 };
    const py = { policy: policy('python3'), slots: 1 };
    const pyTrial = sectionForTrial(run({ runtime: 'python3', ext: 'py', lr: 1 }, mixed));
    const nodeTrial = sectionForTrial(run({ runtime: 'node', ext: 'mjs', lr: 1 }, mixed));
    expect(refuseOnWorker(node, pyTrial, refusal)).toMatch(/python3/);
    expect(refuseOnWorker(py, pyTrial, refusal)).toBeNull();
    expect(refuseOnWorker(node, nodeTrial, refusal)).toBeNull();
    expect(someAccepts([node, node], pyTrial, refusal)).toBe(false);
    expect(someAccepts([node, py], pyTrial, refusal)).toBe(true);
    // a worker that published no policy may accept anything
    expect(someAccepts([{ policy: null, slots: 1 }], pyTrial, refusal)).toBe(true);
  });

  it('refuses a trial wanting more GPUs than the worker has slots', () => {
    const section = { kind: 'mmdet', gpus_per_trial: 4 };
    expect(refuseOnWorker({ policy: null, slots: 2 }, section, refusal)).toMatch(/4 GPUs.*2 slot/);
    expect(refuseOnWorker({ policy: null, slots: 4 }, section, refusal)).toBeNull();
  });

  it('tells a section whose verdict holds for the whole sweep', () => {
    expect(dependsOnTrial(mixed)).toBe(true);
    expect(dependsOnTrial({ kind: 'command', command: ['node', 'a.mjs', '{snapshot_dir}'] })).toBe(
      false,
    );
    expect(dependsOnTrial({ kind: 'tfjs' })).toBe(false);
  });

  it('routes away for a short delay that grows with each refusal, with jitter', () => {
    expect(routeAwayDelayMs(1, 0.5)).toBe(250);
    expect(routeAwayDelayMs(2, 0.5)).toBe(500);
    expect(routeAwayDelayMs(50, 0.5)).toBe(4_000);
    expect(routeAwayDelayMs(1, 0)).toBeLessThan(routeAwayDelayMs(1, 0.99));
  });
});

describe('affinity', () => {
  const section = { kind: 'command', command: ['node', 'a.mjs'] };
  const holder = { id: 'h', policy: policy('node'), slots: 2, freeSlots: 1 };
  const base = { holder, section, refusal, waitedMs: 0, waitMs: 3_000 };

  it('leaves a resumed trial to its snapshot holder only while it is live, free, willing, and not for long', () => {
    expect(leaveToSnapshotHolder(base)).toBe(true);
    expect(leaveToSnapshotHolder({ ...base, waitedMs: 3_000 })).toBe(false);
    expect(leaveToSnapshotHolder({ ...base, holder: undefined })).toBe(false);
    expect(leaveToSnapshotHolder({ ...base, holder: { ...holder, freeSlots: 0 } })).toBe(false);
    expect(leaveToSnapshotHolder({ ...base, holder: { ...holder, freeSlots: null } })).toBe(false);
    expect(
      leaveToSnapshotHolder({ ...base, holder: { ...holder, policy: policy('python3') } }),
    ).toBe(false);
    // a trial of 2 GPUs waits only for a holder with 2 free
    expect(leaveToSnapshotHolder({ ...base, section: { ...section, gpus_per_trial: 2 } })).toBe(
      false,
    );
  });
});
