import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { lavapipeEnv } from '../backend/lavapipe.ts';

const lavapipe = lavapipeEnv();
if (!lavapipe.ok) console.warn(`WebGPU detector test skipped: ${lavapipe.reason}`);

const stepTime = fileURLToPath(new URL('./bin/step-time.ts', import.meta.url));

/** JSON lines of step-time.ts run in a child process that sees lavapipe as its Vulkan driver. */
async function runStepTime(backend: string): Promise<Array<Record<string, unknown>>> {
  if (!lavapipe.ok) throw new Error(lavapipe.reason);
  const args = [
    '--import',
    'tsx',
    stepTime,
    '--backend',
    backend,
    '--tiny',
    '--size',
    '64',
    '--steps',
    '1',
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, ...lavapipe.env },
    timeout: 150_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(!lavapipe.ok)(
  'the detector on WebGPU (Dawn over Mesa lavapipe), no synchronous reads',
  () => {
    it("runs a training step with the cpu backend's losses, and predicts", async () => {
      const [gpu, cpu] = [await runStepTime('webgpu'), await runStepTime('cpu')];
      expect(String(gpu[0]?.['backend'])).toContain('WebGPU');
      const losses = (lines: Array<Record<string, unknown>>) =>
        lines.find((l) => 'losses' in l)?.['losses'] as Record<string, number>;
      for (const [k, v] of Object.entries(losses(cpu))) expect(losses(gpu)[k], k).toBeCloseTo(v, 4);
      expect(gpu.find((l) => 'detections' in l)?.['detections']).toEqual(
        cpu.find((l) => 'detections' in l)?.['detections'],
      );
    }, 300_000);
  },
);
