/**
 * A worker's devices as a readable list, one line each: `slot 0: GPU 0, NVIDIA A100 (40 GB)`, `slot 1: cpu`. The
 * devices come from the worker (untrusted): anything not in the expected shape is written out as compact JSON.
 */

function memory(mb: unknown): string {
  if (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0) return '';
  return mb >= 1024 ? ` (${Math.round(mb / 1024)} GB)` : ` (${mb} MB)`;
}

function oneDevice(d: unknown): string {
  if (typeof d === 'string') return d;
  if (!d || typeof d !== 'object') return JSON.stringify(d) ?? String(d);
  const x = d as Record<string, unknown>;
  const kind = typeof x.kind === 'string' ? x.kind : null;
  if (!kind) return JSON.stringify(d);
  const what =
    kind === 'gpu'
      ? `GPU${typeof x.index === 'number' ? ` ${x.index}` : ''}${typeof x.name === 'string' && x.name ? `, ${x.name}` : ''}${memory(x.memoryMb)}`
      : kind;
  return typeof x.slot === 'number' ? `slot ${x.slot}: ${what}` : what;
}

/** One line per device; none for an empty or missing list. */
export function deviceLines(devices: unknown): string[] {
  if (devices === null || devices === undefined) return [];
  return Array.isArray(devices) ? devices.map(oneDevice) : [oneDevice(devices)];
}
