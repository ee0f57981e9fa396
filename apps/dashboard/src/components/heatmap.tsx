/**
 * One checkpoint x optimizer matrix as an HTML table: lr down, weight decay across, each cell coloured on the
 * sweep's shared scale with its value written in it. Cells without a value say why, in words and in a style of
 * their own. Arrow keys move between cells (one tab stop per table), Enter or Space opens a cell's trials.
 */
import { useState } from 'preact/hooks';
import type { GridCellSummary, GridMatrix } from '@sweeps/api-client';
import { colorOf, type Scale } from '../colors.ts';
import { fmt, param } from '../format.ts';
import { escapeBidi } from '../bidi.ts';
import { Untrusted } from './untrusted.tsx';

export interface CellRef {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
}

/** What a cell without a value shows, per state (a Record: a state added to core must be given words here). */
const MARK: Record<GridCellSummary['state'], string> = {
  succeeded: '',
  running: 'running…',
  paused: '‖ paused',
  queued: 'queued',
  pruned: '✂ pruned',
  diverged: '⚠ diverged',
  failed: '✕ failed',
  cancelled: 'cancelled',
  empty: '–',
};

/** asha's rung for a paused or pruned cell: its epoch and value there (null for any other cell). */
function rungOf(c: GridCellSummary): { epoch: number | null; value: number | null } | null {
  if (c.state === 'paused') return { epoch: c.pausedEpoch, value: c.pausedValue };
  if (c.state === 'pruned') return { epoch: c.prunedEpoch, value: c.prunedValue };
  return null;
}

/** The mark of a cell without a value: `‖ paused@3`, `✂ pruned@3`, `queued`, … */
function markOf(c: GridCellSummary): string {
  const r = rungOf(c);
  return r?.epoch != null ? `${MARK[c.state]}@${r.epoch}` : MARK[c.state];
}

/**
 * A cell without a value in words: a paused cell says where it waits and what happens next, a pruned one where it
 * stopped; any other its state.
 */
function stateWords(c: GridCellSummary, metric: string): string {
  const r = rungOf(c);
  if (!r) return c.state;
  const at = r.epoch === null ? '' : ` at epoch ${r.epoch}`;
  const value = r.value === null ? '' : ` (${metric} ${fmt(r.value)})`;
  return c.state === 'paused'
    ? `paused${at}${value}, waiting for its rung: it resumes if it ranks high enough among its checkpoint's trials there, or is pruned once they have all reported`
    : `pruned${at}${value}`;
}

function trialCountsText(c: GridCellSummary): string {
  const parts = (
    ['succeeded', 'running', 'paused', 'queued', 'pruned', 'failed', 'cancelled'] as const
  )
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k}`);
  if (c.diverged > 0) parts.push(`${c.diverged} diverged`);
  return `${c.total} trial${c.total === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

export function Heatmap(props: {
  m: GridMatrix;
  metric: string;
  scale: Scale | null;
  /** [i, j] of the checkpoint's best cell when it is in this matrix. */
  best: [number, number] | null;
  selected: CellRef | null;
  onOpen: (c: CellRef) => void;
}) {
  const { m, scale, best } = props;
  const [focus, setFocus] = useState<[number, number]>([0, 0]);

  const move = (e: KeyboardEvent, i: number, j: number) => {
    const d: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      props.onOpen({
        checkpoint: m.checkpoint,
        optimizer: m.optimizer,
        lr: m.lrs[i]!,
        weightDecay: m.weightDecays[j]!,
      });
      return;
    }
    let next: [number, number] | null = null;
    if (d[e.key]) {
      const [di, dj] = d[e.key]!;
      next = [
        Math.min(Math.max(i + di, 0), m.lrs.length - 1),
        Math.min(Math.max(j + dj, 0), m.weightDecays.length - 1),
      ];
    } else if (e.key === 'Home') next = [i, 0];
    else if (e.key === 'End') next = [i, m.weightDecays.length - 1];
    if (!next) return;
    e.preventDefault();
    setFocus(next);
    const table = (e.currentTarget as HTMLElement).closest('table');
    (
      table?.querySelector(`td[data-i="${next[0]}"][data-j="${next[1]}"]`) as HTMLElement | null
    )?.focus();
  };

  return (
    <table
      class="heatmap"
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA grid pattern: a table whose cells take focus and open on Enter
      role="grid"
      aria-label={escapeBidi(
        `${m.checkpoint} · ${m.optimizer}: ${props.metric} by lr (rows) and weight decay (columns)`,
      )}
    >
      <caption>
        <strong>
          <Untrusted text={m.checkpoint} />
        </strong>{' '}
        · {m.optimizer}
      </caption>
      <thead>
        <tr>
          <th scope="col" class="corner">
            lr \ wd
          </th>
          {m.weightDecays.map((wd) => (
            <th scope="col" key={wd}>
              {param(wd)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {m.lrs.map((lr, i) => (
          <tr key={lr}>
            <th scope="row">{param(lr)}</th>
            {m.weightDecays.map((wd, j) => {
              const v = m.values[i]![j] ?? null;
              const c = m.gridCells[i]![j]!;
              const isBest = best !== null && best[0] === i && best[1] === j;
              const col = v && scale ? colorOf(scale, v.mean) : null;
              const label = v
                ? `${fmt(v.mean)}${v.n > 1 ? ` ± ${fmt(v.std)} (${v.n} seeds)` : ''}`
                : markOf(c);
              const why = escapeBidi(
                `${m.checkpoint} · ${m.optimizer} · lr ${param(lr)} · wd ${param(wd)}: ${
                  v ? `${props.metric} ${label}` : stateWords(c, props.metric)
                }${isBest ? ' (best of this checkpoint)' : ''}. ${trialCountsText(c)}${c.reason ? `. Reason: ${c.reason}` : ''}`,
              );
              const rung = v ? null : rungOf(c);
              const sel =
                props.selected?.checkpoint === m.checkpoint &&
                props.selected.optimizer === m.optimizer &&
                props.selected.lr === lr &&
                props.selected.weightDecay === wd;
              return (
                <td
                  key={wd}
                  // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: cells of the grid pattern above
                  role="gridcell"
                  data-testid="grid-cell"
                  data-checkpoint={m.checkpoint}
                  data-optimizer={m.optimizer}
                  data-lr={String(lr)}
                  data-weight-decay={String(wd)}
                  data-state={c.state}
                  data-value={v ? String(v.mean) : ''}
                  data-i={i}
                  data-j={j}
                  class={`cell ${v ? 'has-value' : c.state}${isBest ? ' best' : ''}${sel ? ' selected' : ''}${
                    v && c.state === 'succeeded' && (c.running > 0 || c.paused > 0 || c.queued > 0)
                      ? ' pending'
                      : ''
                  }${v && c.failed > 0 ? ' some-failed' : ''}`}
                  style={col ? { background: col.bg, color: col.fg } : undefined}
                  tabIndex={focus[0] === i && focus[1] === j ? 0 : -1}
                  title={why}
                  aria-label={why}
                  aria-selected={sel}
                  onClick={() => {
                    setFocus([i, j]);
                    props.onOpen({
                      checkpoint: m.checkpoint,
                      optimizer: m.optimizer,
                      lr,
                      weightDecay: wd,
                    });
                  }}
                  onKeyDown={(e) => move(e, i, j)}
                >
                  {v ? (
                    <>
                      <span class="v">{fmt(v.mean)}</span>
                      {v.n > 1 && (
                        <span class="sd">
                          ± {fmt(v.std)} ({v.n})
                        </span>
                      )}
                    </>
                  ) : (
                    <>
                      <span class="mark">{label}</span>
                      {rung && rung.value !== null && <span class="sd">{fmt(rung.value)}</span>}
                    </>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
