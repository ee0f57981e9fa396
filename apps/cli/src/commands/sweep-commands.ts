/** submit, preview, list, status (--watch), cancel, retry-failed, extend. */
import { FINISHED_STATES, isPhaseSettled } from '@sweeps/core';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { epochPlanLines } from '../epoch-plan.ts';
import { counts, pausedNote, table } from '../format.ts';
import { readSpecFile } from '../read-spec.ts';
import type { CliEnv } from '../env.ts';
import type {
  CancelResult,
  ExtendResult,
  Preview,
  RetryResult,
  SubmitResult,
  Sweep,
  SweepList,
} from '@sweeps/api-client';
import { clientFor, out } from './context.ts';

/** What `status --watch` and the demo read of a sweep. */
export type SweepView = Pick<Sweep, 'id' | 'name' | 'phase' | 'counts' | 'metric'>;

interface DerivedConfigOptions {
  cell?: string;
  checkpoint?: string;
  seed?: string;
}

/** `preview FILE --cell N`: the derived config a worker would write for that cell, and its command. */
async function printDerivedConfig(
  cmd: Command,
  env: CliEnv,
  file: string,
  o: DerivedConfigOptions,
) {
  const d = await clientFor(cmd, env).request<{ config: string; argv: string[]; cwd: string }>(
    'POST',
    '/api/v1/sweeps/preview/derived-config',
    {
      sweep: await readSpecFile(file),
      cell: Number(o.cell),
      ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
      ...(o.seed !== undefined ? { seed: Number(o.seed) } : {}),
    },
  );
  out(d.config);
  out(`# command (in ${d.cwd}):\n# ${d.argv.join(' ')}`);
}

export function addSweepCommands(program: Command, env: CliEnv): void {
  program
    .command('preview <file>')
    .description('show the trials a sweep file would create, without creating them')
    .option('--cell <n>', 'mmdet sweeps: print the derived config and command of cell N instead')
    .option('--checkpoint <name>', 'with --cell: the checkpoint (default: the first)')
    .option('--seed <n>', 'with --cell: the seed (default: the first)')
    .action(async (file: string, o: DerivedConfigOptions, cmd: Command) => {
      if (o.cell !== undefined) return printDerivedConfig(cmd, env, file, o);
      const p = await clientFor(cmd, env).request<Preview>(
        'POST',
        '/api/v1/sweeps/preview',
        await readSpecFile(file),
      );
      out(
        `${p.name}: ${p.cells.length} cells x ${p.checkpoints.length} checkpoints = ${p.totalTrials} trials (${p.trialsPerCheckpoint} per checkpoint)`,
      );
      for (const line of epochPlanLines(p)) out(line);
      out(
        table(
          ['checkpoint', 'trials'],
          p.checkpoints.map((c) => [c.baseline ? `${c.name} (baseline)` : c.name, c.trials]),
        ),
      );
      out(
        table(
          ['#', 'optimizer', 'params', 'hash'],
          p.cells.map((c, i) => [
            i + 1,
            c.optimizer,
            Object.entries(c.params)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
            c.configHash,
          ]),
        ),
      );
      out(
        p.refused.length
          ? `Refused:\n${p.refused.map((r) => `  ${r.path}: ${r.reason}`).join('\n')}`
          : 'Nothing refused.',
      );
      for (const w of p.warnings ?? []) out(`Warning: ${w}`);
    });

  program
    .command('submit <file>')
    .description('create a sweep from a YAML or JSON file and queue its trials')
    .option('--idempotency-key <key>', 'submitting again with the same key returns the same sweep')
    .action(async (file: string, o: { idempotencyKey?: string }, cmd: Command) => {
      const headers: Record<string, string> = o.idempotencyKey
        ? { 'idempotency-key': o.idempotencyKey }
        : {};
      const s = await clientFor(cmd, env).request<SubmitResult>(
        'POST',
        '/api/v1/sweeps',
        await readSpecFile(file),
        headers,
      );
      for (const w of s.warnings ?? []) out(`Warning: ${w}`);
      out(
        `${s.created ? 'Created' : 'Already submitted:'} sweep ${s.name} with ${s.totalTrials} trials.`,
      );
      out(`Watch it: sweeps status ${s.id} --watch`);
      out(s.id);
    });

  program
    .command('list')
    .description('recent sweeps')
    .option('--limit <n>', 'how many', '20')
    .action(async (o: { limit: string }, cmd: Command) => {
      const r = await clientFor(cmd, env).request<SweepList>(
        'GET',
        `/api/v1/sweeps?limit=${encodeURIComponent(o.limit)}`,
      );
      out(
        r.sweeps.length
          ? table(
              ['id', 'name', 'phase', 'trials', 'created'],
              r.sweeps.map((s) => [s.id, s.name, s.phase, counts(s.counts), s.createdAt]),
            )
          : 'No sweeps yet. Create one with `sweeps submit <file>`.',
      );
    });

  program
    .command('status <sweep>')
    .description('counts by state; --watch follows it with a progress bar until it finishes')
    .option('--watch', 'refresh every 2 s until every trial has finished')
    .action(async (id: string, o: { watch?: boolean }, cmd: Command) => {
      const client = clientFor(cmd, env);
      const get = () =>
        client.request<SweepView>('GET', `/api/v1/sweeps/${encodeURIComponent(id)}`);
      let s = await get();
      if (!o.watch) {
        out(`${s.name} (${s.id}): ${s.phase}\n${counts(s.counts)}`);
        const note = pausedNote(s.counts);
        if (note) out(note);
        return;
      }
      await watch(s, get);
      s = await get();
      out(
        `${s.name}: ${s.phase} — ${counts(s.counts)}\nResults: sweeps best ${s.id}  ·  sweeps grid ${s.id}`,
      );
    });

  program
    .command('cancel <sweep>')
    .description('cancel queued and paused trials and stop running ones')
    .action(async (id: string, _o, cmd: Command) => {
      const r = await clientFor(cmd, env).request<CancelResult>(
        'POST',
        `/api/v1/sweeps/${encodeURIComponent(id)}/cancel`,
      );
      out(
        `Cancelled ${r.cancelledQueued} queued and ${r.cancelledPaused} paused trial(s) and stopped ${r.stoppedRunning} running one(s).`,
      );
    });

  program
    .command('delete <sweep>')
    .description('delete a sweep with its trials and metrics (its creator key or an admin key)')
    .option('--yes', 'really delete: results cannot be recovered')
    .action(async (id: string, o: { yes?: boolean }, cmd: Command) => {
      if (!o.yes) {
        process.exitCode = 2;
        out(`This deletes sweep ${id} and every result in it. Run again with --yes to do it.`);
        return;
      }
      const r = await clientFor(cmd, env).request<{ stoppedRunning: number }>(
        'DELETE',
        `/api/v1/sweeps/${encodeURIComponent(id)}`,
      );
      out(
        `Deleted sweep ${id}${r.stoppedRunning ? ` (stopped ${r.stoppedRunning} running trial(s))` : ''}.`,
      );
    });

  program
    .command('retry-failed <sweep>')
    .description('queue the failed trials of a sweep again')
    .action(async (id: string, _o, cmd: Command) => {
      const r = await clientFor(cmd, env).request<RetryResult>(
        'POST',
        `/api/v1/sweeps/${encodeURIComponent(id)}/retry-failed`,
      );
      out(r.retried ? `Queued ${r.retried} failed trial(s) again.` : 'No failed trials to retry.');
    });

  program
    .command('extend <sweep> <file>')
    .description(
      'add checkpoints, grid values or seeds (a file with checkpoints/space/seeds); old cells are not re-run',
    )
    .action(async (id: string, file: string, _o, cmd: Command) => {
      const r = await clientFor(cmd, env).request<ExtendResult>(
        'POST',
        `/api/v1/sweeps/${encodeURIComponent(id)}/extend`,
        await readSpecFile(file),
      );
      out(`Added ${r.addedTrials} trial(s); the sweep now has ${r.totalTrials}.`);
    });
}

export async function watch(first: SweepView, get: () => Promise<SweepView>): Promise<void> {
  const done = (c: Record<string, number>) => FINISHED_STATES.reduce((n, s) => n + (c[s] ?? 0), 0);
  const bar = new SingleBar(
    {
      format: `${first.name} [{bar}] {value}/{total} trials · {states}`,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  bar.start(first.counts.total ?? 0, done(first.counts), { states: counts(first.counts) });
  let s = first;
  while (!isPhaseSettled(s.phase)) {
    await new Promise((r) => setTimeout(r, 2000));
    s = await get();
    bar.setTotal(s.counts.total ?? 0);
    bar.update(done(s.counts), { states: counts(s.counts) });
  }
  bar.stop();
}
