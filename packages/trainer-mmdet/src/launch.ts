/**
 * Where a trial's files are and the command that trains it. One GPU: `python tools/train.py <derived config>`;
 * several: `python -m torch.distributed.run --nproc_per_node N --master_port P tools/train.py ... --launcher
 * pytorch`. Every value is one argv entry (no shell); `cfg_options` become `--cfg-options key=value` entries.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MmdetTrainerSpec } from './spec.ts';

/** A trial's files inside its directory (the worker's `<data dir>/trials/<trial id>`). */
export function trialPaths(trialDir: string) {
  return {
    derivedConfig: path.join(trialDir, 'mmdet', 'derived_config.py'),
    workDir: path.join(trialDir, 'work_dir'),
  };
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;

/**
 * The checkpoint as MMDetection should load it: a local path (from `file://` or a plain path, relative to
 * `root`), a URL MMDetection loads itself (`torchvision://resnet50`, `https://...`), or null for `format: none`.
 */
export function checkpointLocation(
  checkpoint: { uri: string; format?: string },
  root: string,
): { path: string | null; local: boolean } {
  if (checkpoint.format === 'none') return { path: null, local: false };
  if (checkpoint.uri.startsWith('file://'))
    return { path: fileURLToPath(checkpoint.uri), local: true };
  if (URL_SCHEME.test(checkpoint.uri)) return { path: checkpoint.uri, local: false };
  return { path: path.resolve(root, checkpoint.uri), local: true };
}

/** Whether an earlier run left a snapshot to resume from: v3's `last_checkpoint`, v2's `latest.pth`. */
export function resumePoint(version: 2 | 3, workDir: string): string | null {
  const file = path.join(workDir, version === 3 ? 'last_checkpoint' : 'latest.pth');
  return existsSync(file) ? file : null;
}

function cfgOptionArgs(options: MmdetTrainerSpec['cfg_options']): string[] {
  const entries = Object.entries(options);
  if (entries.length === 0) return [];
  return [
    '--cfg-options',
    ...entries.map(
      ([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)}`,
    ),
  ];
}

export interface LaunchInput {
  spec: MmdetTrainerSpec;
  derivedConfig: string;
  workDir: string;
  seed: number;
  /** v2: the snapshot (MMDetection's checkpoint file) to pass as `--resume-from`. */
  resumeFrom: string | null;
  /** A free port for torch.distributed (several GPUs only). */
  masterPort: number;
}

/** The argv of the training process (run in `spec.root`). */
export function launchArgv(input: LaunchInput): string[] {
  const { spec } = input;
  const train = [
    input.derivedConfig,
    '--work-dir',
    input.workDir,
    ...(spec.version === 2 ? ['--seed', String(input.seed)] : []),
    ...(spec.version === 2 && input.resumeFrom ? ['--resume-from', input.resumeFrom] : []),
    ...cfgOptionArgs(spec.cfg_options),
  ];
  if (spec.gpus_per_trial === 1) return [spec.python, 'tools/train.py', ...train];
  return [
    spec.python,
    '-m',
    'torch.distributed.run',
    '--nproc_per_node',
    String(spec.gpus_per_trial),
    '--master_port',
    String(input.masterPort),
    'tools/train.py',
    ...train,
    '--launcher',
    'pytorch',
  ];
}

/** A TCP port free right now on this node (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
