import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A PyTorch reference line (same fields as a BenchLine; backend `pytorch-cpu-1-thread`). */
export interface TorchLine {
  name: string;
  backend: string;
  train_images_per_s: number;
  inference_images_per_s: number;
  peak_rss_mb: number;
  [extra: string]: unknown;
}

const script = fileURLToPath(new URL('./ref_resnet_torch.py', import.meta.url));

/**
 * Runs bench/ref_resnet_torch.py for the ref-resnet entries among `names` (one CPU thread) and returns
 * its JSON lines; [] with a note on stderr when python3 or torch is missing (Debian: python3-torch).
 */
export function runTorchReference(names: string[]): TorchLine[] {
  const sizes = names.flatMap((n) => /^ref-resnet-(\d+)$/.exec(n)?.[1] ?? []);
  if (sizes.length === 0) return [];
  // Debian's python3-torch lives under /usr/bin/python3, which a pyenv or venv python3 may shadow.
  let result: SpawnSyncReturns<string> | undefined;
  for (const python of ['python3', '/usr/bin/python3']) {
    result = spawnSync(python, [script, '--json', '--sizes', sizes.join(',')], {
      encoding: 'utf8',
    });
    if (result.status === 0) break;
  }
  if (result === undefined || result.status !== 0) {
    const why = result?.error?.message ?? result?.stderr.trim().split('\n').pop() ?? 'no python3';
    process.stderr.write(
      `PyTorch reference skipped (needs python3 with torch, e.g. apt-get install python3-torch): ${why}\n`,
    );
    return [];
  }
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as TorchLine);
}
