/**
 * The open cell's trials over the heatmaps' right side (the whole width on a phone), always in view: the focus
 * moves into it when a cell opens, Escape or Close closes it and gives the focus back to the cell.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { CellRef } from '../../components/heatmap/heatmap.tsx';

function cellElement(c: CellRef): HTMLElement | null {
  for (const td of document.querySelectorAll<HTMLElement>('[data-testid="grid-cell"]')) {
    const d = td.dataset;
    if (
      d.checkpoint === c.checkpoint &&
      d.optimizer === c.optimizer &&
      Number(d.lr) === c.lr &&
      Number(d.weightDecay) === c.weightDecay
    )
      return td;
  }
  return null;
}

export function CellPanel(props: {
  cell: CellRef;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const box = useRef<HTMLElement>(null);
  const { cell, onClose } = props;
  useEffect(() => {
    box.current?.focus();
  }, [cell.checkpoint, cell.optimizer, cell.lr, cell.weightDecay]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      onClose();
      cellElement(cell)?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [cell, onClose]);
  return (
    <aside
      class="cell-panel"
      data-testid="cell-panel"
      ref={box}
      tabIndex={-1}
      aria-label="the open cell's trials (Escape closes)"
    >
      {props.children}
    </aside>
  );
}
