/**
 * The grid cell whose trials are open, and a version the trial panel reads again on: bumped by every trial event
 * while a cell is open. Opening and closing are the same functions for the page's life, so the heatmaps are not
 * drawn again for new ones.
 */
import { useSignal } from '@preact/signals';
import { useCallback } from 'preact/hooks';
import type { CellRef } from '../../components/heatmap/heatmap.tsx';

export function useOpenCell() {
  const cell = useSignal<CellRef | null>(null);
  const version = useSignal(0);
  const open = useCallback(
    (c: CellRef) => {
      cell.value = c;
    },
    [cell],
  );
  const close = useCallback(() => {
    cell.value = null;
  }, [cell]);
  const onTrialEvent = useCallback(() => {
    if (cell.value) version.value++;
  }, [cell, version]);
  return { cell, version, open, close, onTrialEvent };
}
