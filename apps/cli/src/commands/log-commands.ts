/** `check-log` (what a parser extracts from a sample log, offline) and `logs` (a trial's output, `-f` follows). */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkLog, PARSER_HELP } from '@sweeps/trainer-mmdet/spec';
import type { CliEnv } from '../env.ts';
import { table } from '../format.ts';
import { clientFor, err, out } from './context.ts';

/** Largest sample read (the API takes at most 1 MiB; a local file may be bigger). */
const MAX_SAMPLE_BYTES = 64 * 1024 * 1024;

export function addLogCommands(program: Command, env: CliEnv): void {
  program
    .command('check-log <file>')
    .description(
      'show what a metric parser extracts from a sample log, per epoch, before any GPU is spent',
    )
    .requiredOption('--trainer <parser>', PARSER_HELP)
    .option('--metric <name>', "the sweep's metric (reported when missing)", 'bbox_mAP')
    .option('--json', 'print [{"epoch": N, "metrics": {...}}, ...]')
    .action(async (file: string, o: { trainer: string; metric: string; json?: boolean }) => {
      const buf = await readFile(file).catch((err: NodeJS.ErrnoException) => {
        throw new Error(
          `Cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
        );
      });
      const check = checkLog(
        o.trainer,
        buf.subarray(0, MAX_SAMPLE_BYTES).toString('utf8'),
        o.metric,
      );
      // With --json, stdout holds only the JSON (a program reads it); the sentence goes to stderr.
      if (o.json) out(JSON.stringify(check.epochs, null, 2));
      else printCheck(check.epochs);
      (check.found && !o.json ? out : err)(check.message);
      if (!check.found) process.exitCode = 1;
    });

  program
    .command('logs <trial>')
    .description("a trial's stdout and stderr (the last lines); -f follows while it runs")
    .option('--sweep <id>', 'the sweep (default: looked up from the trial)')
    .option('--tail <n>', 'lines to show', '200')
    .option('-f, --follow', 'keep printing new lines until the trial finishes')
    .action(
      async (
        trial: string,
        o: { sweep?: string; tail: string; follow?: boolean },
        cmd: Command,
      ) => {
        const api = clientFor(cmd, env);
        let shown = 0;
        for (;;) {
          const log = await api.request<TrialLog>(
            'GET',
            `/api/v1/trials/${encodeURIComponent(trial)}/log?tail=${Number(o.tail) || 200}`,
          );
          const fresh = log.total - shown;
          if (fresh > 0)
            for (const l of log.lines.slice(-Math.min(fresh, log.lines.length))) out(l);
          shown = log.total;
          if (!o.follow || !log.running) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
      },
    );
}

interface TrialLog {
  lines: string[];
  /** Lines written so far (so a follower prints only new ones). */
  total: number;
  running: boolean;
}

function printCheck(
  epochs: Array<{ epoch: number; metrics: Record<string, number | string> }>,
): void {
  const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))];
  out(
    table(
      ['epoch', ...names],
      epochs.map((e) => [e.epoch, ...names.map((n) => e.metrics[n] ?? '')]),
    ),
  );
}
