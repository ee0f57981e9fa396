/**
 * Keyboard moves in a heatmap (the WAI-ARIA grid pattern): arrow keys step one cell and stop at the edges, Home
 * and End go to the row's first and last cell; Enter or Space opens the focused cell.
 */

const STEPS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** Whether `key` opens the focused cell. */
export function opensCell(key: string): boolean {
  return key === 'Enter' || key === ' ';
}

/** Where `key` moves the focus from cell [i, j] of a rows x cols grid; null for a key that does not move it. */
export function focusAfter(
  key: string,
  [i, j]: [number, number],
  rows: number,
  cols: number,
): [number, number] | null {
  const step = Object.hasOwn(STEPS, key) ? STEPS[key] : undefined;
  if (step)
    return [
      Math.min(Math.max(i + step[0], 0), rows - 1),
      Math.min(Math.max(j + step[1], 0), cols - 1),
    ];
  if (key === 'Home') return [i, 0];
  if (key === 'End') return [i, cols - 1];
  return null;
}
