/**
 * One checkpoint x optimizer matrix as an HTML table: lr down, weight decay across, each cell coloured on the
 * sweep's shared scale with its value written in it. Cells without a value say why, in words and in a style of
 * their own. Arrow keys move between cells (one tab stop per table), Enter or Space opens a cell's trials.
 */
import { useState } from 'preact/hooks';
import type { GridCellStatus, GridMatrix } from '@sweeps/api-client';
import { colorOf, type Scale } from '../colors.ts';
import { fmt, param } from '../format.ts';

export interface CellRef {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
}

const MARK: Record<string, string> = {
  queued: 'queued',
  running: 'running…',
  failed: '✕ failed',
  diverged: '⚠ diverged',
  cancelled: 'cancelled',
  empty: '–',
};

function statusText(c: GridCellStatus): string {
  const parts = (['succeeded', 'running', 'queued', 'failed', 'cancelled'] as const)
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
      aria-label={`${m.checkpoint} · ${m.optimizer}: ${props.metric} by lr (rows) and weight decay (columns)`}
    >
      <caption>
        <strong>{m.checkpoint}</strong> · {m.optimizer}
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
                : MARK[c.state]!;
              const why = `${m.checkpoint} · ${m.optimizer} · lr ${param(lr)} · wd ${param(wd)}: ${
                v ? `${props.metric} ${label}` : c.state
              }${isBest ? ' (best of this checkpoint)' : ''}. ${statusText(c)}${c.reason ? `. Reason: ${c.reason}` : ''}`;
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
                    v && c.state === 'succeeded' && (c.running > 0 || c.queued > 0)
                      ? ' pending'
                      : ''
                  }${v && c.failed > 0 ? ' some-failed' : ''}`}
                  style={col ? { background: col.bg, color: col.fg } : undefined}
                  tabIndex={focus[0] === i && focus[1] === j ? 0 : -1}
                  title={why}
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
                    <span class="mark">{MARK[c.state]}</span>
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
