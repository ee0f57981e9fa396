/**
 * The grid cell whose trials are open, kept in the address (`?cell=…`, see cell-url.ts): opening a cell adds a
 * history entry, so Back closes it and a pasted link opens it; closing goes back to the sweep's plain address.
 * A version the trial panel reads again on is bumped by every trial event while a cell is open. Opening and
 * closing are the same functions for the page's life, so the heatmaps are not drawn again for new ones.
 */
import { useSignal } from '@preact/signals';
import { useCallback, useEffect, useRef } from 'preact/hooks';
import type { CellRef } from '../../components/heatmap/heatmap.tsx';
import { cellFromSearch, cellQuery } from './cell-url.ts';

const sameCell = (a: CellRef | null, b: CellRef | null) =>
  a === b ||
  (!!a &&
    !!b &&
    a.checkpoint === b.checkpoint &&
    a.optimizer === b.optimizer &&
    a.lr === b.lr &&
    a.weightDecay === b.weightDecay);

export function useOpenCell() {
  const cell = useSignal<CellRef | null>(cellFromSearch(location.search));
  /** Whether this page added the open cell's history entry (then closing goes back to the one before). */
  const pushed = useRef(false);
  const version = useSignal(0);
  useEffect(() => {
    const follow = () => {
      const c = cellFromSearch(location.search);
      if (!c) pushed.current = false;
      if (!sameCell(c, cell.value)) cell.value = c;
    };
    addEventListener('popstate', follow);
    return () => removeEventListener('popstate', follow);
  }, [cell]);
  const open = useCallback(
    (c: CellRef) => {
      if (sameCell(c, cell.value)) return;
      const to = location.pathname + cellQuery(c);
      if (cell.value) history.replaceState(null, '', to);
      else {
        history.pushState(null, '', to);
        pushed.current = true;
      }
      cell.value = c;
    },
    [cell],
  );
  const close = useCallback(() => {
    if (!cell.value) return;
    if (pushed.current)
      history.back(); // popstate then closes it
    else history.replaceState(null, '', location.pathname);
    pushed.current = false;
    cell.value = null;
  }, [cell]);
  const onTrialEvent = useCallback(() => {
    if (cell.value) version.value++;
  }, [cell, version]);
  return { cell, version, open, close, onTrialEvent };
}
