/**
 * `sweeps slurm submit`'s plan: the `sbatch` arguments and environment of N worker jobs, each one worker on one node
 * (deploy/slurm/sweeps-worker.sbatch). Pure: the command runs `sbatch` with what this returns. Every value is
 * checked here, so a typo is refused with a sentence before anything is submitted.
 */

export interface SlurmSubmitOptions {
  /** How many worker jobs (one node each). */
  nodes: number;
  gpusPerNode?: number;
  /** Slurm's time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
  time?: string;
  partition?: string;
  account?: string;
  /** Seconds running trials may go on after the preemption signal (SWEEPS_DRAIN_S; default 0: at once). */
  drain?: number;
  /** A worker with no trial for this many seconds leaves (SWEEPS_IDLE_EXIT_S). */
  idleExit?: number;
  /** USR1 this many seconds before the time limit (default 120); at least the drain plus a minute. */
  signalLead?: number;
  /** sbatch's `--output` (default `sweeps-worker-%j.out`, %j the job id). */
  output?: string;
  /** The sweeps checkout every node sees. */
  sweepsDir: string;
  /** The batch script (default: the checkout's deploy/slurm/sweeps-worker.sbatch). */
  script?: string;
  /** More sbatch arguments, passed as they are (after `--` on the command line). */
  extra?: string[];
}

export interface SlurmSubmitPlan {
  /** One sbatch call's arguments; the command calls it `nodes` times. */
  args: string[];
  /** Set in sbatch's environment (Slurm passes it on to the job). */
  env: Record<string, string>;
  jobs: number;
}

/** Where a plan is wrong: the option and what to do. */
export class SlurmPlanError extends Error {}

const TIME = /^(\d+-\d{1,2}(:\d{1,2}(:\d{1,2})?)?|\d+(:\d{1,2}(:\d{1,2})?)?)$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A minute for the hand-back after the drain (docs/deploy.md, "Preemption and time limits"). */
const HAND_BACK_S = 60;

function whole(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max))
    throw new SlurmPlanError(`${name} must be a whole number from ${min} to ${max} (got ${v})`);
}

export function slurmSubmitPlan(o: SlurmSubmitOptions): SlurmSubmitPlan {
  whole('--nodes', o.nodes, 1, 10_000);
  whole('--gpus-per-node', o.gpusPerNode, 0, 64);
  whole('--drain', o.drain, 0, 7 * 24 * 3600);
  whole('--idle-exit', o.idleExit, 1, 7 * 24 * 3600);
  whole('--signal-lead', o.signalLead, 1, 65_535);
  if (o.time !== undefined && !TIME.test(o.time))
    throw new SlurmPlanError(
      `--time "${o.time}" is not a Slurm time limit: write minutes, HH:MM:SS or D-HH:MM:SS (e.g. 12:00:00)`,
    );
  for (const [flag, v] of [
    ['--partition', o.partition],
    ['--account', o.account],
  ] as const)
    if (v !== undefined && !NAME.test(v))
      throw new SlurmPlanError(`${flag} "${v}" is not a Slurm name (letters, digits, _ . - only)`);
  const drain = o.drain ?? 0;
  const lead = o.signalLead ?? 120;
  if (lead < drain + HAND_BACK_S)
    throw new SlurmPlanError(
      `--signal-lead ${lead} is too short for --drain ${drain}: the worker needs the drain plus a minute to hand its trials back before the job ends; use --signal-lead ${drain + HAND_BACK_S} or more`,
    );
  if (o.output !== undefined && (o.output === '' || o.output.includes('\n')))
    throw new SlurmPlanError('--output must be a file path (sbatch patterns such as %j allowed)');
  const args = [
    '--parsable',
    `--signal=B:USR1@${lead}`,
    `--output=${o.output ?? 'sweeps-worker-%j.out'}`,
    ...(o.gpusPerNode ? [`--gpus-per-node=${o.gpusPerNode}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.extra ?? []),
    o.script ?? `${o.sweepsDir.replace(/\/$/, '')}/deploy/slurm/sweeps-worker.sbatch`,
  ];
  const env: Record<string, string> = { SWEEPS_DIR: o.sweepsDir, SWEEPS_DRAIN_S: String(drain) };
  if (o.idleExit !== undefined) env['SWEEPS_IDLE_EXIT_S'] = String(o.idleExit);
  return { args, env, jobs: o.nodes };
}

/** The job id `sbatch --parsable` printed ("123" or "123;cluster"), or null when it printed something else. */
export function parsedJobId(stdout: string): string | null {
  const m = /^(\d+)(;[A-Za-z0-9_.-]+)?$/.exec(stdout.trim());
  return m ? m[1]! : null;
}
