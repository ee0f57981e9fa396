/**
 * An open grid cell in the address, so Back closes it and a pasted link opens it: `?cell=<checkpoint>,<optimizer>,
 * <lr>,<weight decay>`, each part percent-encoded (a `,` in a checkpoint's name is `%2C`).
 */
import type { CellRef } from '../../components/heatmap/heatmap.tsx';

export function cellQuery(c: CellRef): string {
  const parts = [c.checkpoint, c.optimizer, String(c.lr), String(c.weightDecay)];
  return `?cell=${parts.map(encodeURIComponent).join(',')}`;
}

/** The cell named by a `location.search`, or null when it names none (or not a whole one). */
export function cellFromSearch(search: string): CellRef | null {
  const raw = /[?&]cell=([^&#]*)/.exec(search)?.[1];
  if (!raw) return null;
  let parts: string[];
  try {
    parts = raw.split(',').map(decodeURIComponent);
  } catch {
    return null;
  }
  if (parts.length !== 4) return null;
  const [checkpoint, optimizer, lr, wd] = parts as [string, string, string, string];
  const lrN = Number(lr);
  const wdN = Number(wd);
  if (
    !checkpoint ||
    !optimizer ||
    lr === '' ||
    wd === '' ||
    !Number.isFinite(lrN) ||
    !Number.isFinite(wdN)
  )
    return null;
  return { checkpoint, optimizer, lr: lrN, weightDecay: wdN };
}
