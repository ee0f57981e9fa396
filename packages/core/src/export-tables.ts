/** CSV and Markdown renderings of the best-setting table and the grid, for papers, issues and spreadsheets. */
import type { BestTable, GridMatrix } from './aggregate.ts';

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

function formatSigned(value: number | null): string {
  if (value === null) return '-';
  return `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}

const extraParams = (params: Record<string, unknown>) =>
  Object.entries(params).filter(([k]) => k !== 'lr' && k !== 'weight_decay');

export function bestTableToCsv(table: BestTable): string {
  const header = [
    'checkpoint',
    'baseline',
    'status',
    'optimizer',
    'lr',
    'weight_decay',
    'other_params',
    `${table.metric}_mean`,
    `${table.metric}_std`,
    'seeds',
    'gain',
    'config_hash',
  ];
  const rows = table.rows.map((r) => [
    r.checkpoint,
    r.baseline,
    r.status,
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
  ]);
  return csv([header, ...rows]);
}

/** The best-setting table in the shape of the study's summary table. */
export function bestTableToMarkdown(table: BestTable): string {
  const gainHeader = table.baseline ? `gain vs ${table.baseline}` : 'gain';
  const lines = [
    `| checkpoint | best optimizer | lr | wd | ${table.metric} | ${gainHeader} | seeds |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of table.rows) {
    const name = r.baseline ? `${r.checkpoint} (baseline)` : r.checkpoint;
    if (!r.best) {
      lines.push(`| ${name} | nothing succeeded yet | | | | | 0 |`);
      continue;
    }
    const extras = extraParams(r.best.params)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const metric =
      r.best.std === null
        ? formatMetric(r.best.mean)
        : `${formatMetric(r.best.mean)} ± ${formatMetric(r.best.std)}`;
    lines.push(
      `| ${name} | ${r.best.optimizer}${extras ? ` (${extras})` : ''} | ${r.best.params.lr} | ${r.best.params.weight_decay} | ${metric} | ${r.baseline ? '' : formatSigned(r.gain)} | ${r.best.n} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function gridToCsv(grid: GridMatrix[], metric: string): string {
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
  ];
  const rows: unknown[][] = [];
  for (const m of grid) {
    m.lrs.forEach((lr, i) => {
      m.weightDecays.forEach((wd, j) => {
        const v = m.values[i]![j]!;
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
        ]);
      });
    });
  }
  return csv([header, ...rows]);
}

/** One lr (rows) x weight decay (columns) table per checkpoint and optimizer; `failed` where every trial failed. */
export function gridToMarkdown(grid: GridMatrix[], metric: string): string {
  const blocks = grid.map((m) => {
    const head = `### ${m.checkpoint} · ${m.optimizer} · ${metric}\n\n| lr \\ wd | ${m.weightDecays.join(' | ')} |\n|---|${m.weightDecays.map(() => '---').join('|')}|`;
    const cell = (i: number, j: number) => {
      const v = m.values[i]![j]!;
      return v ? formatMetric(v.mean) : m.failed[i]![j]! > 0 ? 'failed' : '-';
    };
    const body = m.lrs.map(
      (lr, i) => `| ${lr} | ${m.weightDecays.map((_, j) => cell(i, j)).join(' | ')} |`,
    );
    return [head, ...body].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
