/**
 * `sweeps slurm submit --nodes N`: submits N worker jobs (deploy/slurm/sweeps-worker.sbatch, one worker per node,
 * one slot per GPU) with `sbatch`, from a Slurm login node. Needs no API key: workers find trials in the queue.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Command, InvalidArgumentError } from 'commander';
import { parsedJobId, type SlurmSubmitOptions, slurmSubmitPlan } from '../slurm-plan.ts';
import { err, out } from './context.ts';

const run = promisify(execFile);
/** This checkout: the default for --sweeps-dir (it must be on a file system every node sees). */
const CHECKOUT = fileURLToPath(new URL('../../../../', import.meta.url));

const whole = (flag: string) => (v: string) => {
  if (!/^\d{1,9}$/.test(v)) throw new InvalidArgumentError(`${flag} takes a whole number`);
  return Number(v);
};

/** The command's flags: the plan's options (its `extra` are the arguments after --) and --dry-run. */
type SubmitFlags = Omit<SlurmSubmitOptions, 'extra'> & { dryRun?: boolean };

export function addSlurmCommands(program: Command): void {
  const slurm = program.command('slurm').description('run workers as Slurm batch jobs');
  slurm
    .command('submit')
    .description(
      'submit N worker jobs, one node each, one slot per GPU; USR1 before the time limit (or `scancel --signal=USR1 --batch JOB`) makes a worker hand its trials back and leave. Arguments after -- go to sbatch as they are',
    )
    .requiredOption('--nodes <n>', 'how many worker jobs (one node each)', whole('--nodes'))
    .option('--gpus-per-node <n>', 'GPUs per job (one slot each)', whole('--gpus-per-node'))
    .option('--time <limit>', "each job's time limit (e.g. 12:00:00)")
    .option('--partition <name>', 'Slurm partition')
    .option('--account <name>', 'Slurm account')
    .option(
      '--drain <s>',
      'seconds running trials may go on after the signal before they are handed back (default 0: at once)',
      whole('--drain'),
    )
    .option(
      '--idle-exit <s>',
      'a worker with no trial for this long leaves, freeing its GPUs',
      whole('--idle-exit'),
    )
    .option(
      '--signal-lead <s>',
      'USR1 this many seconds before the time limit (default 120; at least --drain plus 60)',
      whole('--signal-lead'),
    )
    .option('--output <path>', "each job's log (sbatch patterns: %j is the job id)")
    .option('--sweeps-dir <dir>', 'the sweeps checkout every node sees', CHECKOUT)
    .option('--script <file>', 'another batch script (default: deploy/slurm/sweeps-worker.sbatch)')
    .option('--dry-run', 'print the sbatch command instead of running it')
    .argument('[sbatch-args...]')
    .action(async (extra: string[], flags: SubmitFlags) => {
      const plan = slurmSubmitPlan({ ...flags, extra });
      const env = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
      if (flags.dryRun) {
        out(`${plan.jobs} x: ${[...env, 'sbatch', ...plan.args].join(' ')}`);
        return;
      }
      const ids: string[] = [];
      for (let i = 1; i <= plan.jobs; i++) {
        let stdout: string;
        try {
          ({ stdout } = await run('sbatch', plan.args, { env: { ...process.env, ...plan.env } }));
        } catch (e) {
          const x = e as NodeJS.ErrnoException & { stderr?: string };
          const why =
            x.code === 'ENOENT'
              ? 'sbatch is not on PATH: run this on a Slurm login node'
              : `sbatch failed: ${(x.stderr ?? x.message).trim().slice(0, 2000)}`;
          throw new Error(
            `${why}${ids.length ? ` (submitted before it: ${ids.join(' ')})` : ' (nothing was submitted)'}`,
          );
        }
        const id = parsedJobId(stdout);
        if (!id) throw new Error(`sbatch printed no job id: ${stdout.trim().slice(0, 200)}`);
        ids.push(id);
        err(`submitted worker job ${id} (${i} of ${plan.jobs})`);
      }
      out(
        `Submitted ${ids.length} worker job${ids.length === 1 ? '' : 's'}: ${ids.join(' ')}. Watch: squeue -j ${ids.join(',')}. Preempt one: scancel --signal=USR1 --batch ${ids[0]}.`,
      );
    });
}
