/**
 * Runs trials of scripts/gpu-check the way the worker does, minus PostgreSQL and Redis: a slot lease from the
 * worker's `SlotLeases`, the environment it gives a trial (its policy's passed variables and the lease's
 * `CUDA_VISIBLE_DEVICES`), its policy gate, and the trainer's `run` with an abort signal.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PermanentTrialError, type Trainer, type TrainerResult, type TrialRun } from '@sweeps/core';
import { childEnvironment, policyGate, readPolicy } from '../../apps/worker/src/policy.ts';
import { leaseEnv, type SlotLeases } from '../../apps/worker/src/slot-leases.ts';
import type { SlotDevice } from '../../apps/worker/src/slots.ts';

/** The worker's policy for these trials: the given commands, trials in the repository or the work dir. */
export function checkPolicy(commands: string[], root: string, workDir: string) {
  const { policy, passEnv } = readPolicy({
    allowCommands: commands.join(','),
    allowEnv: '',
    cwdRoots: `${root},${workDir}`,
    passEnv: 'GPU_CHECK_*',
    workDir,
  });
  return { gate: policyGate(policy), baseEnv: childEnvironment(process.env, passEnv) };
}

/** How one trial ended: its result, or the failure the worker would record (reason and message). */
export type TrialOutcome =
  | { ok: true; result: TrainerResult; epochs: number[]; output: string[]; devices: SlotDevice[] }
  | {
      ok: false;
      reason: string;
      error: unknown;
      epochs: number[];
      output: string[];
      devices: SlotDevice[];
    };

let trialCount = 0;

/** A trial of a made-up sweep: one grid cell, seed 0. */
export function checkTrial(
  trainer: Record<string, unknown> & { kind: string },
  metric: string,
): TrialRun {
  trialCount += 1;
  return {
    trialId: `tr_gpucheck${trialCount}`,
    sweepId: 'sw_gpucheck',
    checkpoint: { name: 'scratch', uri: 'scratch', format: 'none' },
    optimizer: 'SGD',
    params: { lr: 0.02, weight_decay: 1e-4, momentum: 0.9 },
    fixed: { max_epochs: 40 },
    seed: 0,
    trainer,
    metricName: metric,
  };
}

export interface RunTrialOptions {
  trainer: Trainer;
  trial: TrialRun;
  leases: SlotLeases;
  workDir: string;
  baseEnv: Record<string, string>;
  signal?: AbortSignal;
  /** Called with each epoch as the worker would store it. */
  onEpoch?: (epoch: number, metrics: Record<string, number>) => void;
  /** Called once the trial holds its slots, with the environment it runs with. */
  onStart?: (devices: SlotDevice[], env: Record<string, string>) => void;
}

/** Takes the trial's slots (waiting for them as the worker does), runs it, gives them back. */
export async function runTrial(o: RunTrialOptions): Promise<TrialOutcome> {
  const wanted = Number(o.trial.trainer.gpus_per_trial ?? 1);
  const devices = await o.leases.take(wanted, o.signal);
  const epochs: number[] = [];
  const output: string[] = [];
  // the worker's `trainer.timeout_s`: a trial that hangs (a CUDA call that never returns) ends the check's wait
  const timeoutS = Number(o.trial.trainer.timeout_s ?? 0);
  const timeout = new AbortController();
  const timer =
    timeoutS > 0
      ? setTimeout(() => timeout.abort(new Error(`timed out after ${timeoutS} s`)), timeoutS * 1000)
      : undefined;
  const signal = o.signal ? AbortSignal.any([o.signal, timeout.signal]) : timeout.signal;
  try {
    const trialDir = path.join(o.workDir, 'trials', o.trial.trialId);
    mkdirSync(trialDir, { recursive: true });
    const env = {
      ...o.baseEnv,
      ...leaseEnv(devices),
      SWEEPS_ATTEMPT: '1',
      SWEEPS_LEASE: '1',
    };
    o.onStart?.(devices, env);
    const result = await o.trainer.run(o.trial, {
      reportEpoch: async (epoch, metrics) => {
        epochs.push(epoch);
        o.onEpoch?.(epoch, metrics);
      },
      trialDir,
      signal,
      env,
      log: (line) => {
        if (output.length < 500) output.push(line);
      },
    });
    return { ok: true, result, epochs, output, devices };
  } catch (error) {
    const reason = error instanceof PermanentTrialError ? error.reason : 'failed';
    return { ok: false, reason, error, epochs, output, devices };
  } finally {
    clearTimeout(timer);
    o.leases.give(devices);
  }
}
