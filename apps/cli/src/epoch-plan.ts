/** The lines `sweeps preview` prints about how a sweep spends its epochs: its strategy, rungs and costs. */
import type { Preview } from '@sweeps/api-client';
import { DEFAULT_REDUCTION_FACTOR } from '@sweeps/core';

const percent = (part: number, whole: number) =>
  whole > 0 ? `${Math.round((100 * part) / whole)} %` : '-';

/**
 * `Strategy asha: ...` with the rungs, each trial's most epochs and the epoch budget next to the full grid; for a
 * grid sweep the full grid alone. Empty without an integer `fixed.epochs` (nothing to count).
 */
export function epochPlanLines(
  p: Pick<Preview, 'strategy' | 'epochs' | 'confirm' | 'checkpoints'>,
): string[] {
  return [...strategyLines(p), ...confirmLines(p)];
}

function strategyLines(p: Pick<Preview, 'strategy' | 'epochs'>): string[] {
  const e = p.epochs;
  if (!e) return [`Strategy ${p.strategy.kind}.`];
  // a strategy without rungs (grid, or asha over too few epochs) runs every trial to the end
  if (e.rungs.length === 0) {
    return [
      `Strategy ${p.strategy.kind}: every trial runs all ${e.trialEpochs} epochs.`,
      `Trial epochs: ${e.fullGrid} (the full grid).`,
    ];
  }
  const rf = Number(p.strategy['reduction_factor'] ?? DEFAULT_REDUCTION_FACTOR);
  const fraction = rf === 2 ? 'half' : rf === 3 ? 'third' : rf === 4 ? 'quarter' : `1/${rf}`;
  const rule = e.pauses
    ? `  At each rung a trial goes on only within the top ${fraction} of its checkpoint's values there; this trainer resumes from snapshots, so a trial the values so far do not decide waits there (paused) until they do, then resumes or is pruned.`
    : `  At each rung a trial goes on only within the top ${fraction} of its checkpoint's values there; the others are pruned at once (none waits: the trainer does not resume from snapshots, or the sweep says pause: false).`;
  return [
    `Strategy asha, reduction factor ${rf}: rungs at epoch ${e.rungs.join(', ')}; a trial runs at most ${e.trialEpochs} epochs.`,
    rule,
    `Trial epochs: full grid ${e.fullGrid}; asha about ${e.expected} (${percent(e.expected, e.fullGrid)}) expected, ` +
      `at least ${e.fewest} (${percent(e.fewest, e.fullGrid)}), at most ${e.most} (nothing pruned).`,
  ];
}

/** The confirm stage, if any: which cells run again and how many trials it can add. */
function confirmLines(p: Pick<Preview, 'confirm' | 'checkpoints'>): string[] {
  const c = p.confirm;
  if (!c) return [];
  const most = c.top * c.seeds.length * p.checkpoints.length;
  return [
    `Confirm stage: once a checkpoint's trials have finished, its top ${c.top} cell(s) run again with seed(s) ${c.seeds.join(', ')} (up to ${most} more trials, never pruned).`,
  ];
}
