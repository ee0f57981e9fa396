import { AshaStrategySchema } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { simulateAsha, simulateAshaPausing } from './asha-schedule.ts';

/** One checkpoint, 4 epochs, one rung at epoch 2 (factor 2); a trial's value at every epoch is its quality. */
function schedule(qualities: Record<string, number | undefined>, slots = 1) {
  const order = Object.keys(qualities).map((trialId) => ({ trialId, checkpoint: 'c' }));
  return {
    order,
    slots,
    epochs: 4,
    strategy: AshaStrategySchema.parse({ kind: 'asha', min_epochs: 2, reduction_factor: 2 }),
    value: (t: { trialId: string }) => qualities[t.trialId],
  };
}

describe('the promotion form on a schedule', () => {
  it('makes early arrivals wait, promotes the reporter when it ranks, prunes once the rung is complete', () => {
    // A waits (0 places of 1); B leads 2 values (1 place) and goes on; C waits behind B; D completes the rung:
    // 2 places of 4, B and D, so A and C are pruned. 2 + 4 + 2 + 4 epochs of the grid's 16.
    const run = simulateAshaPausing(schedule({ A: 1, B: 4, C: 2, D: 3 }));
    expect(run.epochsRun).toBe(12);
    expect([...run.finished.keys()].sort()).toEqual(['B', 'D']);
    expect(run.resumes).toBe(0);
  });

  it('resumes a paused trial promoted later from its rung epoch, before trials that have not started', () => {
    // A waits; B's value opens a place that A holds: A is queued first and resumes at epoch 3 (2 more epochs, not 4)
    // before C and D start; C waits behind A; D completes the rung and takes the second place.
    const run = simulateAshaPausing(schedule({ A: 3, B: 1, C: 2, D: 4 }));
    expect(run.resumes).toBe(1);
    expect(run.epochsRun).toBe(12);
    expect([...run.finished.keys()]).toEqual(['A', 'D']);
  });

  it('settles again when a trial fails, so a rung its absence completes does not wait for ever', () => {
    // A waits; B goes on; C fails in epoch 1: the rung is complete with 2 values, one place (B's), A is pruned.
    const run = simulateAshaPausing(schedule({ A: 1, B: 2, C: undefined }));
    expect([...run.finished.keys()]).toEqual(['B']);
    expect(run.epochsRun).toBe(6);
  });

  it('ends with every trial final and the best of each checkpoint run to the end, failures and all', () => {
    // 2 checkpoints x 20 trials, 12 epochs, rungs 1, 2, 4 and 8, on 1, 3 and 8 slots; every 7th trial fails in epoch 5
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const order = Array.from({ length: 40 }, (_, i) => ({
      trialId: `t${String(i).padStart(2, '0')}`,
      checkpoint: i % 2 === 0 ? 'a' : 'b',
      quality: random(),
      fails: i % 7 === 3,
    }));
    for (const slots of [1, 3, 8]) {
      const run = simulateAshaPausing({
        order,
        slots,
        epochs: 12,
        strategy: AshaStrategySchema.parse({ kind: 'asha', min_epochs: 1, reduction_factor: 2 }),
        value: (t, epoch) => (t.fails && epoch === 5 ? undefined : t.quality * (1 - 0.5 ** epoch)),
      });
      expect(run.rungs).toEqual([1, 2, 4, 8]);
      const kept = [...run.finished.keys()].map((id) => order.find((t) => t.trialId === id)!);
      expect(new Set(kept.map((t) => t.checkpoint))).toEqual(new Set(['a', 'b']));
      // curves that never cross: each checkpoint's best trial that does not fail is never held back
      for (const checkpoint of ['a', 'b']) {
        const best = order
          .filter((t) => t.checkpoint === checkpoint && !t.fails)
          .reduce((a, b) => (b.quality > a.quality ? b : a));
        expect(run.finished.has(best.trialId)).toBe(true);
      }
      expect(run.epochsRun).toBeLessThan(40 * 12);
    }
  });

  it('lets the stop-or-go form pass early arrivals unjudged where the promotion form holds them', () => {
    // Stop-or-go, places growing with the values: A is first and goes on unjudged, B leads, C ranks 2 of 3 (one
    // place) and is pruned, D ranks 2 of 4 (two places) and goes on: 14 epochs, against 12 with pausing.
    const qualities = { A: 1, B: 4, C: 2, D: 3 };
    const stopOrGo = simulateAsha(schedule(qualities));
    expect([...stopOrGo.finished.keys()]).toEqual(['A', 'B', 'D']);
    expect(stopOrGo.epochsRun).toBe(14);
    expect(simulateAshaPausing(schedule(qualities)).finished.has('A')).toBe(false);
  });
});
