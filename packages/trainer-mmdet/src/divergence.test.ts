import { describe, expect, it } from 'vitest';
import { DivergenceWatch } from './divergence.ts';

const LIMITS = { maxLoss: 1e4, patience: 3 };
const v3 = (loss: string, grad: string, epoch = 1) =>
  `2026/01/01 00:00:00 - mmengine - INFO - Epoch(train)  [${epoch}][ 50/100]  base_lr: 1.0000e+03 lr: 1.0000e+03  eta: 0:00:01  time: 0.4  data_time: 0.05  memory: 3800  grad_norm: ${grad}  loss: ${loss}  loss_cls: 0.9`;
const v2 = (loss: string, grad: string) =>
  `2022-01-01 00:00:00,000 - mmdet - INFO - Epoch [1][50/7330]\tlr: 1.978e-03, eta: 1 day, memory: 3800, loss_rpn_cls: 0.5, loss_cls: 0.9, loss: ${loss}, grad_norm: ${grad}`;

function feed(watch: DivergenceWatch, lines: string[]): Array<string | null> {
  return lines.map((l) => watch.push(l));
}

describe('divergence seen in MMDetection output', () => {
  it('trains normally: finite losses and gradients, however noisy, never end the run', () => {
    const w = new DivergenceWatch(LIMITS);
    expect(
      feed(w, [v3('1.8', '6.2'), v3('250.0', '1e3'), v3('0.9', '4.0'), v2('1.2', '3.1')]),
    ).toEqual([null, null, null, null]);
  });

  it('a clipped run at a huge lr: loss 1e21-1e24 on patience lines in a row, evidence quoted', () => {
    const w = new DivergenceWatch(LIMITS);
    const out = feed(w, [v3('1.2e+21', 'inf'), v3('3.4e+22', 'inf'), v3('5.6e+24', 'inf', 2)]);
    expect(out.slice(0, 2)).toEqual([null, null]);
    expect(out[2]).toMatch(
      /^loss 5\.6e\+24 above 10000 on 3 training lines in a row, at epoch 2: "/,
    );
    expect(out[2]).toContain('Epoch(train)  [2][ 50/100]');
  });

  it('a non-finite grad_norm alone counts, in 2.x logs too; a normal line in between starts over', () => {
    const w = new DivergenceWatch(LIMITS);
    expect(
      feed(w, [v2('2.0', 'inf'), v2('2.0', 'nan'), v2('1.9', '5.0'), v2('2.0', 'inf')]),
    ).toEqual([null, null, null, null]);
    expect(feed(w, [v2('2.0', 'inf'), v2('2.1', 'inf')])[1]).toMatch(
      /^grad_norm = (Infinity|NaN) on 3/,
    );
  });

  it('a NaN or infinite loss ends it at once', () => {
    expect(new DivergenceWatch(LIMITS).push(v3('nan', '1.0'))).toMatch(/^loss = NaN at epoch 1/);
    expect(new DivergenceWatch(LIMITS).push(v2('inf', '1.0'))).toMatch(/^loss = Infinity/);
  });

  it('an evaluation without detections ends it at once, with the line', () => {
    const line =
      '2026/01/01 00:00:00 - mmengine - WARNING - The testing results of the whole dataset is empty.';
    expect(new DivergenceWatch(LIMITS).push(line)).toMatch(
      /^evaluation found no detections at all .*"2026\/01\/01 .*is empty\."$/,
    );
  });

  it("patience and bound are the sweep file's", () => {
    const w = new DivergenceWatch({ maxLoss: 100, patience: 1 });
    expect(w.push(v3('150', '2.0'))).toMatch(/^loss 150 above 100 on 1 training lines/);
  });
});
