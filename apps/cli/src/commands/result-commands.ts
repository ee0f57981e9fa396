/** grid, best, export, trials, trial, workers. */
import { writeFile } from 'node:fs/promises';
import { bestTableCells, formatMetric, gridCellText, TRIAL_STATES } from '@sweeps/core';
import { type Command, Option } from 'commander';
import { gridKey, PAUSED_MEANING, pausedSentence, table, trialStateCell } from '../format.ts';
import type { CliEnv } from '../env.ts';
import type { BestTable, Grid, Trial, TrialPage, WorkerList } from '@sweeps/api-client';
import { clientFor, out } from './context.ts';

export function addResultCommands(program: Command, env: CliEnv): void {
  program
    .command('grid <sweep>')
    .description('per checkpoint and optimizer, the lr x weight-decay matrix of the final metric')
    .action(async (id: string, _o, cmd: Command) => {
      const g = await clientFor(cmd, env).request<Grid>(
        'GET',
        `/api/v1/sweeps/${encodeURIComponent(id)}/grid`,
      );
      const printed: string[] = [];
      for (const m of g.matrices) {
        out(`\n${m.checkpoint} · ${m.optimizer} · ${g.metric} (rows: lr, columns: weight decay)`);
        const rows = m.lrs.map((_, i) => m.weightDecays.map((_, j) => gridCellText(m, i, j)));
        printed.push(...rows.flat());
        out(
          table(
            ['lr \\ wd', ...m.weightDecays.map(String)],
            rows.map((r, i) => [m.lrs[i], ...r]),
          ),
        );
      }
      const key = gridKey(printed);
      if (key.length) out(`\n${key.join('\n')}`);
    });

  program
    .command('best <sweep>')
    .description('best setting per checkpoint, with the gain over the baseline')
    .action(async (id: string, _o, cmd: Command) => {
      const b = await clientFor(cmd, env).request<BestTable>(
        'GET',
        `/api/v1/sweeps/${encodeURIComponent(id)}/best`,
      );
      const { header, rows } = bestTableCells(b);
      out(table(header, rows));
    });

  program
    .command('export <sweep>')
    .description('the best table or the grid as CSV or Markdown')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'md']).default('md'))
    .addOption(
      new Option('--table <table>', 'which table').choices(['best', 'grid']).default('best'),
    )
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      async (id: string, o: { format: string; table: string; out?: string }, cmd: Command) => {
        const text = await clientFor(cmd, env).raw(
          'GET',
          `/api/v1/sweeps/${encodeURIComponent(id)}/export?format=${o.format}&table=${o.table}`,
        );
        if (o.out) {
          await writeFile(o.out, text);
          out(`Wrote ${o.out}`);
        } else out(text);
      },
    );

  program
    .command('trials <sweep>')
    .description('trials of a sweep')
    .addOption(
      new Option(
        '--state <state>',
        'only trials in this state (paused: asha stopped them at a rung until enough trials of their checkpoint have reported there)',
      ).choices(TRIAL_STATES),
    )
    .option('--checkpoint <name>', 'only this checkpoint')
    .option('--limit <n>', 'page size', '100')
    .option('--cursor <id>', 'next page')
    .action(
      async (
        id: string,
        o: { state?: string; checkpoint?: string; limit: string; cursor?: string },
        cmd: Command,
      ) => {
        const q = new URLSearchParams({
          limit: o.limit,
          ...(o.state ? { state: o.state } : {}),
          ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
          ...(o.cursor ? { cursor: o.cursor } : {}),
        });
        const r = await clientFor(cmd, env).request<TrialPage>(
          'GET',
          `/api/v1/sweeps/${encodeURIComponent(id)}/trials?${q}`,
        );
        out(
          table(
            [
              'trial',
              'checkpoint',
              'optimizer',
              'params',
              'seed',
              'state',
              'final',
              'worker',
              'error',
            ],
            r.trials.map((t) => [
              t.id,
              t.checkpoint,
              t.optimizer,
              Object.entries(t.params)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
              t.seed,
              trialStateCell(t),
              formatMetric(t.finalMetric),
              t.worker,
              (t.error ?? '').split('\n')[0]!.slice(0, 60),
            ]),
          ),
        );
        if (r.trials.some((t) => t.state === 'paused'))
          out(`paused@N: asha stopped the trial at the epoch-N rung; ${PAUSED_MEANING}.`);
        if (r.nextCursor) out(`More: --cursor ${r.nextCursor}`);
      },
    );

  program
    .command('trial <sweep> <trial>')
    .description('one trial with its per-epoch metrics (of its latest lease, or of --lease N)')
    .option(
      '--lease <n>',
      'show the epochs of this lease, a claim of the trial (the numbers are listed under "metrics of")',
    )
    .option('--attempt <n>', 'deprecated: the first name of --lease')
    .option(
      '--epochs-from <n>',
      'show epochs from this one on (a trial view shows at most 1,000 epochs at a time)',
    )
    .action(
      async (
        id: string,
        trial: string,
        o: { lease?: string; attempt?: string; epochsFrom?: string },
        cmd: Command,
      ) => {
        const lease = wholeOption(o.lease, '--lease', 1) ?? wholeOption(o.attempt, '--attempt', 1);
        const from = wholeOption(o.epochsFrom, '--epochs-from', 0);
        const t = await clientFor(cmd, env).trial(
          id,
          trial,
          lease,
          from === undefined ? {} : { from },
        );
        out(
          `${t.id}: ${trialStateCell(t)} on ${t.checkpoint}, ${t.optimizer} ${JSON.stringify(t.params)}, seed ${t.seed}, attempts ${t.attempts}${t.backend ? `, ${t.backend} on ${t.device}` : ''}`,
        );
        if (t.state === 'paused') out(`${pausedSentence(t.pausedAt)}: ${PAUSED_MEANING}.`);
        if (t.metricLeases.length > 1 || lease !== undefined)
          out(
            `metrics of lease ${t.epochsLease ?? '-'} (leases with metrics: ${t.metricLeases
              .map((l) => `${l.lease}: ${l.epochs} epochs${l.current ? ', current' : ''}`)
              .join('; ')})`,
          );
        printEpochs(t);
        if (t.error) out(`Error: ${t.error}`);
        if (t.outputTail && t.state === 'failed') out(`Last output:\n${t.outputTail}`);
      },
    );

  program
    .command('workers')
    .description('workers, their slots and what they run')
    .action(async (_o, cmd: Command) => {
      const r = await clientFor(cmd, env).request<WorkerList>('GET', '/api/v1/workers');
      out(
        r.workers.length
          ? table(
              ['worker', 'host', 'slots', 'liveness', 'running', 'last heartbeat'],
              r.workers.map((w) => [
                w.id,
                w.host,
                w.slots,
                w.liveness,
                w.running.map((t) => t.trialId).join(' ') || '-',
                w.lastHeartbeatAt,
              ]),
            )
          : 'No workers seen recently. Start one with `npm run worker`.',
      );
    });
}

/** A whole-number option of at least `min`, or undefined when not given. */
function wholeOption(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= min))
    throw new Error(
      `${flag} must be a ${min > 0 ? 'positive whole number' : 'whole number >= 0'}, got '${value}'`,
    );
  return n;
}

/** A trial view's page of epochs as a table, and how to ask for the next page. */
function printEpochs(t: Trial): void {
  const names = [...new Set(t.epochs.flatMap((e) => Object.keys(e).filter((k) => k !== 'epoch')))];
  if (names.length)
    out(
      table(
        ['epoch', ...names],
        t.epochs.map((e) => [e.epoch, ...names.map((n) => formatMetric(e[n]))]),
      ),
    );
  if (t.epochsNextFrom !== null) out(`More epochs: --epochs-from ${t.epochsNextFrom}`);
}
