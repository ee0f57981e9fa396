/** CSV and Markdown renderings of the best-setting table and the grid, for papers, issues and spreadsheets. */
import type { BestRow, BestTable, GridMatrix } from './aggregate.ts';
import { type GridCellSummary, gridCellLabel } from './grid-cell-state.ts';

/**
 * A matrix as the API returns it: with each grid cell's summary (its state) when known (pruned ones say where they stopped,
 * paused ones where they wait).
 */
export type ExportMatrix = GridMatrix & { gridCells?: GridCellSummary[][] };

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: unknown[][]): string {
  return `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

/** A metric for people: 4 decimals, or `-` when absent. */
export function formatMetric(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '-'
    : value.toFixed(digits);
}

function formatSigned(value: number | null, digits = 4): string {
  if (value === null) return '-';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

/** A gain with its 95 % interval when there is one: `+1.2000 [0.4000, 2.0000]`, `within noise` when it holds 0. */
export function formatGain(row: BestRow, digits = 4): string {
  if (row.gain === null) return '-';
  const gain = formatSigned(row.gain, digits);
  if (!row.gain_ci95) return gain;
  const [lo, hi] = row.gain_ci95;
  return `${gain} [${lo.toFixed(digits)}, ${hi.toFixed(digits)}]${row.within_noise ? ' within noise' : ''}`;
}

/** The runner-up cell and the p-value of best vs runner-up: `AdamW lr 0.0002 wd 0.1: 0.3990 (p 0.21)`. */
export function formatRunnerUp(row: BestRow): string {
  const r = row.runner_up;
  if (!r) return '-';
  const extras = extraParams(r.params)
    .map(([k, v]) => ` ${k} ${v}`)
    .join('');
  const p = row.p_vs_runner_up === null ? '' : ` (p ${row.p_vs_runner_up.toPrecision(2)})`;
  return `${r.optimizer} lr ${r.params.lr} wd ${r.params.weight_decay}${extras}: ${formatMetric(r.mean)}${p}`;
}

const extraParams = (params: Record<string, unknown>) =>
  Object.entries(params).filter(([k]) => k !== 'lr' && k !== 'weight_decay');

export function bestTableToCsv(table: BestTable): string {
  const header = [
    'checkpoint',
    'baseline',
    'status', // deprecated: the first name of `outcome` (the last column), kept here for one version
    'optimizer',
    'lr',
    'weight_decay',
    'other_params',
    `${table.metric}_mean`,
    `${table.metric}_std`,
    'seeds',
    'gain',
    'config_hash',
    'gain_ci95_lo',
    'gain_ci95_hi',
    'within_noise',
    'runner_up_optimizer',
    'runner_up_params',
    `runner_up_${table.metric}_mean`,
    'runner_up_seeds',
    'p_vs_runner_up',
    'outcome',
  ];
  const rows = table.rows.map((r) => [
    r.checkpoint,
    r.baseline,
    r.outcome, // the deprecated `status` column (the outcome's first name), kept in its place for one version
    r.best?.optimizer,
    r.best?.params.lr,
    r.best?.params.weight_decay,
    r.best
      ? extraParams(r.best.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '',
    r.best?.mean,
    r.best?.std,
    r.best?.n,
    r.gain,
    r.best?.configHash,
    r.gain_ci95?.[0],
    r.gain_ci95?.[1],
    r.within_noise,
    r.runner_up?.optimizer,
    r.runner_up
      ? Object.entries(r.runner_up.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '',
    r.runner_up?.mean,
    r.runner_up?.n,
    r.p_vs_runner_up,
    r.outcome,
  ]);
  return csv([header, ...rows]);
}

/**
 * The best-setting table as a header and rows of text, in the shape of the study's summary table: the one
 * rendering of it, written as Markdown by {@link bestTableToMarkdown} and as a terminal table by the CLI.
 */
export function bestTableCells(table: BestTable): { header: string[]; rows: string[][] } {
  const gainHeader = table.baseline ? `gain vs ${table.baseline}` : 'gain';
  const header = [
    'checkpoint',
    'best optimizer',
    'lr',
    'wd',
    table.metric,
    `${gainHeader} [95% CI]`,
  ];
  header.push('seeds', 'runner-up');
  const rows = table.rows.map((r) => {
    const name = r.baseline ? `${r.checkpoint} (baseline)` : r.checkpoint;
    if (!r.best) return [name, 'nothing succeeded yet', '', '', '', '', '0', ''];
    const extras = extraParams(r.best.params)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const metric =
      r.best.std === null
        ? formatMetric(r.best.mean)
        : `${formatMetric(r.best.mean)} ± ${formatMetric(r.best.std)}`;
    return [
      name,
      `${r.best.optimizer}${extras ? ` (${extras})` : ''}`,
      String(r.best.params.lr),
      String(r.best.params.weight_decay),
      metric,
      r.baseline ? '' : formatGain(r),
      String(r.best.n),
      formatRunnerUp(r),
    ];
  });
  return { header, rows };
}

/** The best-setting table as Markdown. */
export function bestTableToMarkdown(table: BestTable): string {
  const { header, rows } = bestTableCells(table);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return `${[line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')}\n`;
}

/**
 * The grid as CSV, one row per grid cell. asha's columns: `pruned` trials and the rung epoch and value where one
 * was pruned; `paused` trials and the rung epoch and value where one waits (it resumes or is pruned later).
 */
export function gridToCsv(grid: ExportMatrix[], metric: string): string {
  const header = [
    'checkpoint',
    'optimizer',
    'lr',
    'weight_decay',
    `${metric}_mean`,
    `${metric}_std`,
    'seeds',
    'failed',
    'config_hash',
    'pruned',
    'pruned_at_epoch',
    `pruned_${metric}`,
    'paused',
    'paused_at_epoch',
    `paused_${metric}`,
  ];
  const rows: unknown[][] = [];
  for (const m of grid) {
    m.lrs.forEach((lr, i) => {
      m.weightDecays.forEach((wd, j) => {
        const v = m.values[i]![j]!;
        const c = m.gridCells?.[i]?.[j];
        rows.push([
          m.checkpoint,
          m.optimizer,
          lr,
          wd,
          v?.mean,
          v?.std,
          v?.n ?? 0,
          m.failed[i]![j]!,
          v?.configHash,
          c?.pruned ?? 0,
          c?.prunedEpoch,
          c?.prunedValue,
          c?.paused ?? 0,
          c?.pausedEpoch,
          c?.pausedValue,
        ]);
      });
    });
  }
  return csv([header, ...rows]);
}

/** What a grid cell's text needs of its matrix (core's matrices and the API's alike). */
export interface GridCellSource {
  values: ReadonlyArray<ReadonlyArray<{ mean: number } | null>>;
  failed: ReadonlyArray<ReadonlyArray<number>>;
  gridCells?: ReadonlyArray<ReadonlyArray<GridCellSummary>> | undefined;
}

/**
 * The text of grid cell (lr `i`, weight decay `j`) wherever a grid is printed: its mean to 4 decimals;
 * `pruned@3 (0.2100)` where asha stopped its trials at epoch 3 with that value; `paused@3 (0.2100)` where a trial
 * waits at the epoch-3 rung with that value (to resume or be pruned); `failed` where its trials failed; else `-`.
 */
export function gridCellText(m: GridCellSource, i: number, j: number): string {
  const v = m.values[i]?.[j];
  if (v) return formatMetric(v.mean);
  return gridCellLabel(m.gridCells?.[i]?.[j]) ?? ((m.failed[i]?.[j] ?? 0) > 0 ? 'failed' : '-');
}

/** One lr (rows) x weight decay (columns) table per checkpoint and optimizer, cells as {@link gridCellText}. */
export function gridToMarkdown(grid: ExportMatrix[], metric: string): string {
  const blocks = grid.map((m) => {
    const head = `### ${m.checkpoint} · ${m.optimizer} · ${metric}\n\n| lr \\ wd | ${m.weightDecays.join(' | ')} |\n|---|${m.weightDecays.map(() => '---').join('|')}|`;
    const body = m.lrs.map(
      (lr, i) => `| ${lr} | ${m.weightDecays.map((_, j) => gridCellText(m, i, j)).join(' | ')} |`,
    );
    return [head, ...body].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
