import {
  type LiveWorker,
  refuseCommand,
  type TrainerSection,
  type TrialRun,
  type WorkerPolicy,
} from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { TrialRouter } from './trial-routing.ts';

const policy = (...commands: string[]): WorkerPolicy => ({
  commands,
  env: [],
  cwdRoots: ['/w'],
  workDir: '/w',
});
const refusal = (p: WorkerPolicy, s: TrainerSection) =>
  refuseCommand(p, (s.command as string[]) ?? [''], '/w', { unknown: (a) => a.includes('{') });
const trial = (sweepId: string, trainer: TrainerSection, params = {}): TrialRun => ({
  trialId: 'tr_1',
  sweepId,
  checkpoint: { name: 'base', uri: 'file:///c.bin' },
  optimizer: 'SGD',
  params,
  fixed: {},
  seed: 0,
  trainer,
  metricName: 'acc',
});
/** A first claim of the trial (nothing to resume). */
const run = (sweepId: string, trainer: TrainerSection, params = {}) => ({
  run: trial(sweepId, trainer, params),
  resume: false,
  snapshotWorkerId: null,
});
const live = (id: string, commands: string[], freeSlots: number | null = 1): LiveWorker => ({
  id,
  policy: policy(...commands),
  slots: 2,
  freeSlots,
});

function router(others: LiveWorker[], affinityWaitMs = 0) {
  let reads = 0;
  let now = 0;
  const r = new TrialRouter({
    ownId: 'me',
    own: { policy: policy('node'), slots: 1 },
    affinityWaitMs,
    readOthers: async () => {
      reads++;
      return others;
    },
    refreshMs: 1000,
    refusal,
    random: () => 0.5,
    now: () => now,
  });
  return { r, reads: () => reads, tick: (ms: number) => (now += ms) };
}

describe('TrialRouter', () => {
  const py = { kind: 'command', command: ['python3', 'train.py'] };

  it('runs what it accepts without reading the other workers', async () => {
    const { r, reads } = router([]);
    expect(
      await r.afterClaim(run('sw_1', { kind: 'command', command: ['node', 'a.mjs'] })),
    ).toEqual({ kind: 'run' });
    expect(await r.beforeClaim('sw_1', 'tr_2')).toBeNull();
    expect(reads()).toBe(0);
  });

  it('routes away a trial another live worker accepts, then the sweep before claiming', async () => {
    const { r, reads, tick } = router([live('py', ['python3'])]);
    expect(await r.beforeClaim('sw_1', 'tr_1')).toBeNull(); // nothing known yet: the claim decides
    const d = await r.afterClaim(run('sw_1', py));
    expect(d).toMatchObject({ kind: 'away', delayMs: 250 });
    // the sweep's verdict holds for all its trials: the next ones are routed away before any claim
    expect(await r.beforeClaim('sw_1', 'tr_2')).toBe(250);
    expect(await r.beforeClaim('sw_1', 'tr_2')).toBe(500);
    expect(reads()).toBe(1); // the other workers read once per refresh interval
    tick(1000);
    await r.beforeClaim('sw_1', 'tr_3');
    expect(reads()).toBe(2);
  });

  it('fails a trial as invalid only when no live worker accepts it', async () => {
    const { r } = router([live('other', ['node'])]);
    const d = await r.afterClaim(run('sw_1', py));
    expect(d.kind).toBe('invalid');
    expect(d.kind === 'invalid' && d.message).toMatch(
      /^refused by this worker's policy: .*python3.*\(and no other live worker accepts it\)$/,
    );
    expect(await r.beforeClaim('sw_1', 'tr_2')).toBeNull(); // claimed, then failed as invalid
  });

  it('judges a sweep whose command depends on the trial one trial at a time', async () => {
    const { r } = router([live('py', ['python3'])]);
    const mixed = { kind: 'command', command: ['{runtime}', 'train'] };
    expect(await r.afterClaim(run('sw_2', mixed, { runtime: 'python3' }))).toMatchObject({
      kind: 'away',
    });
    expect(await r.beforeClaim('sw_2', 'tr_9')).toBeNull(); // not remembered: the next trial may be node's
    expect(await r.afterClaim(run('sw_2', mixed, { runtime: 'node' }))).toEqual({ kind: 'run' });
  });
});

describe('TrialRouter affinity', () => {
  const node = { kind: 'command', command: ['node', 'a.mjs'] };
  const resumed = (holder: string | null) => ({
    run: trial('sw_3', node),
    resume: true,
    snapshotWorkerId: holder,
  });

  it('leaves a resumed trial to the live worker holding its snapshot while it has a free slot', async () => {
    const { r, tick } = router([live('holder', ['node'], 1)], 3_000);
    expect(await r.afterClaim(resumed('holder'))).toMatchObject({
      kind: 'away',
      reason: expect.stringContaining('holder'),
    });
    tick(1_000);
    expect((await r.afterClaim(resumed('holder'))).kind).toBe('away');
    tick(2_000); // waited the affinity wait: any worker takes it
    expect(await r.afterClaim(resumed('holder'))).toEqual({ kind: 'run' });
  });

  it('runs it at once when the holder is busy, gone, would refuse it, or is this worker', async () => {
    expect(
      await router([live('holder', ['node'], 0)], 3_000).r.afterClaim(resumed('holder')),
    ).toEqual({ kind: 'run' });
    expect(await router([], 3_000).r.afterClaim(resumed('holder'))).toEqual({ kind: 'run' });
    expect(
      await router([live('holder', ['python3'], 2)], 3_000).r.afterClaim(resumed('holder')),
    ).toEqual({ kind: 'run' });
    expect(await router([live('holder', ['node'])], 3_000).r.afterClaim(resumed('me'))).toEqual({
      kind: 'run',
    });
    // a first run has nothing to resume; affinity off (0) never waits
    expect(
      await router([live('holder', ['node'])], 3_000).r.afterClaim({
        ...resumed('holder'),
        resume: false,
      }),
    ).toEqual({ kind: 'run' });
    expect(await router([live('holder', ['node'])], 0).r.afterClaim(resumed('holder'))).toEqual({
      kind: 'run',
    });
  });
});
