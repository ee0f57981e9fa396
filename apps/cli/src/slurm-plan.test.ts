import { describe, expect, it } from 'vitest';
import { parsedJobId, SlurmPlanError, slurmSubmitPlan } from './slurm-plan.ts';

describe('slurmSubmitPlan', () => {
  it("submits the checkout's batch script with the signal lead, output, GPUs and limits asked for", () => {
    const plan = slurmSubmitPlan({
      nodes: 4,
      gpusPerNode: 8,
      time: '12:00:00',
      partition: 'gpu',
      account: 'det-team',
      drain: 300,
      idleExit: 600,
      signalLead: 420,
      sweepsDir: '/shared/sweeps/',
      extra: ['--qos=high'],
    });
    expect(plan.jobs).toBe(4);
    expect(plan.args).toEqual([
      '--parsable',
      '--signal=B:USR1@420',
      '--output=sweeps-worker-%j.out',
      '--gpus-per-node=8',
      '--time=12:00:00',
      '--partition=gpu',
      '--account=det-team',
      '--qos=high',
      '/shared/sweeps/deploy/slurm/sweeps-worker.sbatch',
    ]);
    expect(plan.env).toEqual({
      SWEEPS_DIR: '/shared/sweeps/',
      SWEEPS_DRAIN_S: '300',
      SWEEPS_IDLE_EXIT_S: '600',
    });
  });

  it('defaults to a two-minute signal lead, no drain and no GPU request', () => {
    const plan = slurmSubmitPlan({ nodes: 1, sweepsDir: '/s' });
    expect(plan.args).toEqual([
      '--parsable',
      '--signal=B:USR1@120',
      '--output=sweeps-worker-%j.out',
      '/s/deploy/slurm/sweeps-worker.sbatch',
    ]);
    expect(plan.env).toEqual({ SWEEPS_DIR: '/s', SWEEPS_DRAIN_S: '0' });
  });

  it('refuses values Slurm or the hand-back would trip on, naming the option', () => {
    const bad: Array<[Parameters<typeof slurmSubmitPlan>[0], RegExp]> = [
      [{ nodes: 0, sweepsDir: '/s' }, /--nodes must be a whole number from 1/],
      [{ nodes: 1.5, sweepsDir: '/s' }, /--nodes/],
      [{ nodes: 1, gpusPerNode: -1, sweepsDir: '/s' }, /--gpus-per-node/],
      [{ nodes: 1, time: '12h', sweepsDir: '/s' }, /--time "12h" is not a Slurm time limit/],
      [
        { nodes: 1, partition: 'gpu; rm -rf', sweepsDir: '/s' },
        /--partition .* is not a Slurm name/,
      ],
      [
        { nodes: 1, drain: 120, signalLead: 120, sweepsDir: '/s' },
        /--signal-lead 120 is too short for --drain 120.*use --signal-lead 180 or more/,
      ],
      [{ nodes: 1, output: '', sweepsDir: '/s' }, /--output must be a file path/],
    ];
    for (const [opts, message] of bad) {
      expect(() => slurmSubmitPlan(opts)).toThrow(SlurmPlanError);
      expect(() => slurmSubmitPlan(opts)).toThrow(message);
    }
    for (const time of ['30', '30:00', '12:00:00', '2-00', '2-12:00', '2-12:00:00'])
      expect(() => slurmSubmitPlan({ nodes: 1, time, sweepsDir: '/s' })).not.toThrow();
  });
});

describe('parsedJobId', () => {
  it("reads sbatch --parsable's id, with or without a cluster name", () => {
    expect(parsedJobId('123\n')).toBe('123');
    expect(parsedJobId('77;cluster-a')).toBe('77');
    expect(parsedJobId('sbatch: error: Batch job submission failed')).toBeNull();
  });
});
