/**
 * Metrics from a file the command writes: JSON lines (`{"epoch": 1, "bbox_mAP": 0.2}` per line) or one JSON
 * document, a list of such objects (or `{"epochs": [...]}`). The file is read again whenever it changes while the
 * command runs, and once more after it exits.
 */
import { open } from 'node:fs/promises';
import { type EpochLine, extractAll, mergeEpochs } from './epochs.ts';
import { parsePythonJson } from './json-line.ts';
import { createJsonlExtractor, metricsOfObject } from './jsonl-source.ts';
import { toEpoch } from './values.ts';

/** Largest metric file read (bytes); a bigger one is read up to this size. */
export const MAX_METRIC_FILE_BYTES = 32 * 1024 * 1024;

/** Most epochs taken from one file. */
export const MAX_FILE_EPOCHS = 100_000;

function epochsOfDocument(doc: unknown): EpochLine[] | null {
  const list = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object' && Array.isArray((doc as { epochs?: unknown }).epochs)
      ? (doc as { epochs: unknown[] }).epochs
      : null;
  if (!list) return null;
  const out: EpochLine[] = [];
  for (const item of list.slice(0, MAX_FILE_EPOCHS)) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const obj = item as Record<string, unknown>;
    const epoch = typeof obj.epoch === 'number' ? toEpoch(obj.epoch) : null;
    if (epoch !== null) out.push({ epoch, metrics: metricsOfObject(obj, new Set(['epoch'])) });
  }
  return mergeEpochs(out);
}

/** The epochs in a metric file's text: a JSON document when it is one, else JSON lines. */
export function parseMetricFile(text: string): EpochLine[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !trimmed.includes('\n'))) {
    const fromDoc = epochsOfDocument(parsePythonJson(trimmed)); // else JSON lines below
    if (fromDoc) return fromDoc;
  }
  return extractAll(createJsonlExtractor(), text).slice(0, MAX_FILE_EPOCHS);
}

/** Reads a file's first {@link MAX_METRIC_FILE_BYTES} bytes as text; null when it does not exist (yet). */
export async function readBounded(
  file: string,
  maxBytes = MAX_METRIC_FILE_BYTES,
): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = (await handle.stat()).size;
    const buf = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Watches a metric file while a command runs: every `intervalMs` it is read again if it changed, and the epochs
 * whose metrics are new or different are handed to `onEpoch`. `stop()` reads it a last time.
 */
export function watchMetricFile(
  file: () => string | null,
  onEpoch: (line: EpochLine) => void,
  intervalMs = 2000,
): { stop(): Promise<void> } {
  const seen = new Map<number, string>();
  let lastText: string | null = null;
  let busy: Promise<void> = Promise.resolve();
  const poll = async () => {
    const name = file();
    const text = name === null ? null : await readBounded(name);
    if (text === null || text === lastText) return;
    lastText = text;
    for (const e of parseMetricFile(text)) {
      const key = JSON.stringify(e.metrics, (_k, v) => (typeof v === 'number' ? String(v) : v));
      if (seen.get(e.epoch) === key) continue;
      seen.set(e.epoch, key);
      onEpoch(e);
    }
  };
  const timer = setInterval(() => {
    busy = busy.then(poll).catch(() => {});
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      await poll().catch(() => {});
    },
  };
}
