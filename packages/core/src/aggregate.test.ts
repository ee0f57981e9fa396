import { describe, expect, it } from 'vitest';
import { buildBestTable, buildGrid, type CellResult } from './aggregate.ts';
import { bestTableToCsv, bestTableToMarkdown, gridToCsv, gridToMarkdown } from './export-tables.ts';

const cell = (
  checkpoint: string,
  optimizer: string,
  lr: number,
  wd: number,
  mean: number,
  extra: Partial<CellResult> = {},
): CellResult => ({
  checkpoint,
  optimizer,
  configHash: `${optimizer}-${lr}-${wd}`,
  params: { lr, weight_decay: wd },
  n: 1,
  mean,
  std: null,
  ...extra,
});
const checkpoints = [
  { name: 'r50-base', baseline: true },
  { name: 'r50-tnr', baseline: false },
  { name: 'r50-rsb', baseline: false },
];

describe('best-setting table', () => {
  const results = [
    cell('r50-base', 'SGD', 0.02, 1e-4, 0.374),
    cell('r50-base', 'SGD', 0.04, 1e-4, 0.371),
    cell('r50-tnr', 'SGD', 0.02, 1e-4, 0.396),
    cell('r50-tnr', 'AdamW', 1e-4, 0.1, 0.402),
    cell('r50-tnr', 'AdamW', 3e-4, 0.1, Number.NaN),
  ];

  it('picks the best finite cell per checkpoint and the gain over the baseline', () => {
    const table = buildBestTable(checkpoints, results, 'bbox_mAP', 'maximize');
    expect(table.baseline).toBe('r50-base');
    expect(table.rows[0]!.best!.params).toEqual({ lr: 0.02, weight_decay: 1e-4 });
    expect(table.rows[0]!.gain).toBeCloseTo(0, 12);
    expect(table.rows[1]!.best!.optimizer).toBe('AdamW');
    expect(table.rows[1]!.gain).toBeCloseTo(0.028, 12);
  });

  it('says explicitly when a checkpoint has nothing succeeded yet', () => {
    const table = buildBestTable(checkpoints, results, 'bbox_mAP', 'maximize');
    expect(table.rows[2]).toEqual({
      checkpoint: 'r50-rsb',
      baseline: false,
      status: 'nothing_succeeded',
      best: null,
      gain: null,
    });
    expect(bestTableToMarkdown(table)).toContain('| r50-rsb | nothing succeeded yet |');
  });

  it('has no gain without a baseline result', () => {
    const table = buildBestTable(
      checkpoints,
      results.filter((r) => r.checkpoint !== 'r50-base'),
      'bbox_mAP',
      'maximize',
    );
    expect(table.rows[1]!.gain).toBeNull();
  });

  it('breaks ties deterministically: more seeds, then optimizer, then hash', () => {
    const tied = [
      cell('r50-tnr', 'SGD', 0.02, 1e-4, 0.4),
      cell('r50-tnr', 'AdamW', 1e-4, 0.1, 0.4),
      cell('r50-tnr', 'AdamW', 2e-4, 0.1, 0.4),
    ];
    const pick = (rs: CellResult[]) =>
      buildBestTable(checkpoints, rs, 'm', 'maximize').rows[1]!.best!.configHash;
    expect(pick(tied)).toBe('AdamW-0.0001-0.1');
    expect(pick([...tied].reverse())).toBe('AdamW-0.0001-0.1');
    expect(pick([...tied, cell('r50-tnr', 'SGD', 0.04, 1e-5, 0.4, { n: 3, std: 0.01 })])).toBe(
      'SGD-0.04-0.00001',
    );
  });

  it('minimises when asked', () => {
    const table = buildBestTable(checkpoints, results, 'loss', 'minimize');
    expect(table.rows[0]!.best!.params.lr).toBe(0.04);
    expect(table.rows[1]!.gain).toBeCloseTo(0.396 - 0.371, 12);
  });

  it('exports CSV and Markdown with mean, spread and seeds', () => {
    const table = buildBestTable(
      checkpoints,
      [
        cell('r50-base', 'SGD', 0.02, 1e-4, 0.374, { n: 3, std: 0.002 }),
        cell('r50-tnr', 'AdamW', 1e-4, 0.1, 0.402),
      ],
      'bbox_mAP',
      'maximize',
    );
    const lines = bestTableToCsv(table).trim().split('\n');
    expect(lines[0]).toBe(
      'checkpoint,baseline,status,optimizer,lr,weight_decay,other_params,bbox_mAP_mean,bbox_mAP_std,seeds,gain,config_hash',
    );
    expect(lines[1]).toBe('r50-base,true,ok,SGD,0.02,0.0001,,0.374,0.002,3,0,SGD-0.02-0.0001');
    expect(lines[3]).toBe('r50-rsb,false,nothing_succeeded,,,,,,,,,');
    const md = bestTableToMarkdown(table);
    expect(md).toContain(
      '| checkpoint | best optimizer | lr | wd | bbox_mAP | gain vs r50-base | seeds |',
    );
    expect(md).toContain('| r50-base (baseline) | SGD | 0.02 | 0.0001 | 0.3740 ± 0.0020 |  | 3 |');
    expect(md).toContain('| r50-tnr | AdamW | 0.0001 | 0.1 | 0.4020 | +0.0280 | 1 |');
  });
});

describe('grid', () => {
  it('lays out lr rows x weight-decay columns, keeping the best where momentum varies', () => {
    const results = [
      cell('r50-base', 'SGD', 0.04, 1e-5, 0.3),
      cell('r50-base', 'SGD', 0.01, 1e-4, 0.2, {
        configHash: 'm0.9',
        params: { lr: 0.01, weight_decay: 1e-4, momentum: 0.9 },
      }),
      cell('r50-base', 'SGD', 0.01, 1e-4, 0.25, {
        configHash: 'm0.8',
        params: { lr: 0.01, weight_decay: 1e-4, momentum: 0.8 },
      }),
      cell('r50-base', 'SGD', 0.02, 1e-5, Number.NaN),
    ];
    const failures = [
      { checkpoint: 'r50-base', optimizer: 'SGD', lr: 0.02, weightDecay: 1e-5, n: 1 },
      { checkpoint: 'other', optimizer: 'SGD', lr: 0.02, weightDecay: 1e-5, n: 5 },
    ];
    const grid = buildGrid(
      checkpoints.slice(0, 1),
      [{ optimizer: 'SGD', lrs: [0.04, 0.01, 0.02], weightDecays: [1e-4, 1e-5] }],
      results,
      'maximize',
      failures,
    );
    expect(grid).toHaveLength(1);
    const m = grid[0]!;
    expect(m.lrs).toEqual([0.01, 0.02, 0.04]);
    expect(m.weightDecays).toEqual([1e-5, 1e-4]);
    expect(m.values.map((row) => row.map((v) => v?.mean ?? null))).toEqual([
      [null, 0.25],
      [null, null],
      [0.3, null],
    ]);
    expect(m.failed).toEqual([
      [0, 0],
      [1, 0],
      [0, 0],
    ]);
    expect(gridToMarkdown(grid, 'bbox_mAP')).toContain('| 0.01 | - | 0.2500 |');
    expect(gridToMarkdown(grid, 'bbox_mAP')).toContain('| 0.02 | failed | - |');
    expect(gridToCsv(grid, 'bbox_mAP').split('\n')[2]).toBe(
      'r50-base,SGD,0.01,0.0001,0.25,,1,0,m0.8',
    );
    expect(gridToCsv(grid, 'bbox_mAP').split('\n')[3]).toBe('r50-base,SGD,0.02,0.00001,,,0,1,');
  });
});
