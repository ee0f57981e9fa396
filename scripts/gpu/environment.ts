/**
 * Where scripts/gpu-check runs: the repository root (from source or from the bundle in `.gpu-check/`), real or fake
 * mode (a working `nvidia-smi`, or a stand-in `nvidia-smi` put first on PATH), and whether a Python with PyTorch
 * (and CUDA) is there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first folder above this file that holds `scripts/gpu-check`. */
export function repoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'scripts', 'gpu-check'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no scripts/gpu-check above ${from}`);
    dir = up;
  }
  return dir;
}

/** True when `nvidia-smi` runs and lists at least one GPU (real mode, unless --fake). */
export function nvidiaSmiWorks(): boolean {
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 20_000 });
    return /^GPU \d+:/m.test(out);
  } catch {
    return false;
  }
}

/** The fake GPUs' UUIDs, as `nvidia-smi --query-gpu=uuid` would print them. */
export const fakeUuid = (i: number) => `GPU-00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;

/**
 * A stand-in `nvidia-smi` listing `gpus` H100s, in `<dir>/bin`, put first on this process's PATH (the worker's slot
 * detection and every trial find it there). It answers the worker's query, `--query-gpu=index,uuid` and `-L`.
 */
export function installFakeNvidiaSmi(dir: string, gpus: number): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = path.join(bin, 'nvidia-smi');
  const each = (line: string) => `for i in $(seq 0 ${gpus - 1}); do ${line}; done`;
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      '# scripts/gpu-check --fake: a stand-in nvidia-smi (no driver)',
      'case "$*" in',
      `  *uuid*) ${each('echo "$i, GPU-00000000-0000-0000-0000-$(printf %012d "$i")"')} ;;`,
      `  *-L*) ${each('echo "GPU $i: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-$(printf %012d "$i"))"')} ;;`,
      `  *) ${each('echo "$i, NVIDIA H100 80GB HBM3, 81559 MiB"')} ;;`,
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  return file;
}

/** GPU index → UUID, as nvidia-smi lists them (empty when it cannot). */
export function gpuUuids(): Map<number, string> {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index,uuid', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return new Map(
      out
        .split('\n')
        .map((l) => l.split(',').map((s) => s.trim()))
        .filter((p) => p.length === 2 && /^\d+$/.test(p[0]!))
        .map((p) => [Number(p[0]), p[1]!]),
    );
  } catch {
    return new Map();
  }
}

/** A Python with PyTorch and a CUDA device, or why there is none. */
export type TorchPython = { python: string; version: string } | { python: null; why: string };

/**
 * Looks for PyTorch with CUDA under `python3`, then `/usr/bin/python3` (Debian's python3-torch, which a pyenv or
 * venv python3 may shadow).
 */
export function findTorchPython(): TorchPython {
  const whys: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(
      python,
      [
        '-c',
        'import torch; print(torch.__version__, torch.cuda.is_available(), torch.cuda.device_count())',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) {
      whys.push(`${python}: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'failed'}`);
      continue;
    }
    const [version, available] = r.stdout.trim().split(' ');
    if (available === 'True') return { python, version: version! };
    whys.push(`${python}: torch ${version} sees no CUDA device`);
  }
  return { python: null, why: `no PyTorch with CUDA (${whys.join('; ')})` };
}
