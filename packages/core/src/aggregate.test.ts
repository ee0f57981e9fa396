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
      outcome: 'nothing_succeeded',
      best: null,
      gain: null,
      gain_ci95: null,
      runner_up: null,
      p_vs_runner_up: null,
      within_noise: null,
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
      'checkpoint,baseline,status,optimizer,lr,weight_decay,other_params,bbox_mAP_mean,bbox_mAP_std,seeds,gain,config_hash,gain_ci95_lo,gain_ci95_hi,within_noise,runner_up_optimizer,runner_up_params,runner_up_bbox_mAP_mean,runner_up_seeds,p_vs_runner_up,outcome',
    );
    expect(lines[1]).toBe(
      'r50-base,true,ok,SGD,0.02,0.0001,,0.374,0.002,3,0,SGD-0.02-0.0001,,,,,,,,,ok',
    );
    // `status` (third) is the deprecated first name of `outcome` (last): the same word, kept one version
    expect(lines[3]).toBe('r50-rsb,false,nothing_succeeded,,,,,,,,,,,,,,,,,,nothing_succeeded');
    const md = bestTableToMarkdown(table);
    expect(md).toContain(
      '| checkpoint | best optimizer | lr | wd | bbox_mAP | gain vs r50-base [95% CI] | seeds | runner-up |',
    );
    expect(md).toContain(
      '| r50-base (baseline) | SGD | 0.02 | 0.0001 | 0.3740 ± 0.0020 |  | 3 | - |',
    );
    expect(md).toContain('| r50-tnr | AdamW | 0.0001 | 0.1 | 0.4020 | +0.0280 | 1 | - |');
  });
});

describe('best-setting table over seeds', () => {
  // Per-seed values; summaries as cell_stats keeps them. Expected figures from scipy (fixtures/welch.json case
  // [39.6, 40.1, 39.9] vs [37.4, 37.2, 37.9]).
  const s = (values: number[]) => {
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    return { n: values.length, mean, std: sd };
  };
  const results = [
    cell('r50-base', 'SGD', 0.02, 1e-4, 0, s([37.4, 37.2, 37.9])),
    cell('r50-base', 'SGD', 0.04, 1e-4, 0, s([37.0, 37.3, 36.9])),
    cell('r50-tnr', 'AdamW', 1e-4, 0.1, 0, s([39.6, 40.1, 39.9])),
    cell('r50-tnr', 'AdamW', 2e-4, 0.1, 0, s([39.5, 39.7, 40.2])),
  ];
  const table = buildBestTable(checkpoints.slice(0, 2), results, 'bbox_mAP', 'maximize');

  it('gives the gain interval, the runner-up and its p-value', () => {
    const tnr = table.rows[1]!;
    expect(tnr.gain).toBeCloseTo(2.3666666666666667, 10);
    expect(tnr.gain_ci95![0]).toBeCloseTo(1.6275257228182125, 9);
    expect(tnr.gain_ci95![1]).toBeCloseTo(3.1058076105151216, 9);
    expect(tnr.within_noise).toBe(false);
    expect(tnr.runner_up?.params.lr).toBe(2e-4);
    expect(tnr.p_vs_runner_up).toBeGreaterThan(0.5);
    expect(table.rows[0]!.gain_ci95).toBeNull();
    expect(table.rows[0]!.runner_up?.params.lr).toBe(0.04);
  });

  it('prints them in the exports', () => {
    const md = bestTableToMarkdown(table);
    expect(md).toMatch(
      /\| \+2\.3667 \[1\.6275, 3\.1058\] \| 3 \| AdamW lr 0\.0002 wd 0\.1: 39\.8000 \(p 0\.\d+\) \|/,
    );
    const row = bestTableToCsv(table).trim().split('\n')[2]!.split(',');
    expect(Number(row[12])).toBeCloseTo(tnrLo(table), 12);
    expect(row[14]).toBe('false');
  });

  const tnrLo = (t: typeof table) => t.rows[1]!.gain_ci95![0];

  it('says within noise when the interval holds zero, and has no interval with one seed', () => {
    const close = buildBestTable(
      checkpoints.slice(0, 2),
      [
        cell('r50-base', 'SGD', 0.02, 1e-4, 0, s([37.4, 37.2, 37.9])),
        cell('r50-tnr', 'SGD', 0.02, 1e-4, 0, s([37.5, 37.1, 38.1])),
      ],
      'bbox_mAP',
      'maximize',
    );
    expect(close.rows[1]!.within_noise).toBe(true);
    expect(bestTableToMarkdown(close)).toContain('within noise');
    const single = buildBestTable(
      checkpoints.slice(0, 2),
      [cell('r50-base', 'SGD', 0.02, 1e-4, 0.37), cell('r50-tnr', 'SGD', 0.02, 1e-4, 0.38)],
      'bbox_mAP',
      'maximize',
    );
    expect(single.rows[1]).toMatchObject({
      gain_ci95: null,
      within_noise: null,
      p_vs_runner_up: null,
    });
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
      'r50-base,SGD,0.01,0.0001,0.25,,1,0,m0.8,0,,,0,,',
    );
    expect(gridToCsv(grid, 'bbox_mAP').split('\n')[3]).toBe(
      'r50-base,SGD,0.02,0.00001,,,0,1,,0,,,0,,',
    );
  });
});
