/**
 * A sweep's data on its page: the sweep, its grid and its best-setting table (both of final or best-epoch values), read
 * together and read again whenever the event stream says trials changed; whether the stream is up; the last
 * read's error. Switching the value reads again; a grid or best table that arrives for the value no longer asked
 * for is dropped.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { BestTable, Grid, GridValue, Sweep, SweepEvent } from '@sweeps/api-client';
import { api, handleError, loadSession } from '../../api.ts';
import { type Connection, followSweep } from '../../live.ts';

export function useSweepView(id: string, onTrialEvent: (e: SweepEvent) => void) {
  const sweep = useSignal<Sweep | null>(null);
  const grid = useSignal<Grid | null>(null);
  const best = useSignal<BestTable | null>(null);
  /** The value `best` was read for (the switch may have moved on while it was read). */
  const bestFor = useSignal<GridValue>('final');
  const error = useSignal('');
  const connection = useSignal<Connection>('connecting');
  const value = useSignal<GridValue>('final');
  const valueRef = useRef<GridValue>('final');
  const onEvent = useRef(onTrialEvent);
  onEvent.current = onTrialEvent;

  /** Reads the sweep, grid and best table; resolves to the error when that failed (shown on the page). */
  const refresh = async (): Promise<unknown> => {
    const asked = valueRef.current;
    try {
      const [s, g, b] = await Promise.all([
        api.sweep(id),
        api.grid(id, asked),
        api.best(id, asked),
      ]);
      sweep.value = s;
      if (g.value === valueRef.current) grid.value = g;
      if (asked === valueRef.current) {
        best.value = b;
        bestFor.value = asked;
      }
      error.value = '';
      return undefined;
    } catch (e) {
      error.value = handleError(e);
      return e;
    }
  };

  useEffect(() => {
    sweep.value = grid.value = best.value = null;
    const first = refresh();
    // Events between the first read and the stream's start would be lost: on `ready`, compare the counts.
    const changed = async () => {
      await first;
      const before = sweep.value;
      if (!before) return true;
      const now = await api.sweep(id);
      return (
        JSON.stringify(now.counts) !== JSON.stringify(before.counts) || now.phase !== before.phase
      );
    };
    return followSweep(
      id,
      refresh,
      changed,
      (e) => onEvent.current(e),
      (c) => {
        connection.value = c;
        if (c === 'closed') void loadSession();
      },
    );
  }, [id]);

  const setValue = (v: GridValue) => {
    value.value = valueRef.current = v;
    void refresh();
  };

  return { sweep, grid, best, bestFor, error, connection, value, setValue, refresh };
}
