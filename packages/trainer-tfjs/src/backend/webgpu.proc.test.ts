import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BackendCheck } from './backend-check.ts';
import type { SelectedBackend } from './backend-probes.ts';
import { lavapipeEnv } from './lavapipe.ts';

const lavapipe = lavapipeEnv();
if (!lavapipe.ok) console.warn(`WebGPU tests skipped: ${lavapipe.reason}`);

const checkScript = fileURLToPath(new URL('./backend-check.ts', import.meta.url));

/**
 * Runs backend-check.ts in a child process that sees lavapipe as its Vulkan driver (the Vulkan loader
 * reads VK_ICD_FILENAMES when a process starts) and returns its JSON line.
 */
async function runCheck(which: string): Promise<unknown> {
  if (!lavapipe.ok) throw new Error(lavapipe.reason);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', checkScript, which],
    {
      env: { ...process.env, ...lavapipe.env },
      timeout: 90_000,
    },
  );
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line === undefined)
    throw new Error(`no result from backend-check.ts ${which}: ${stdout.slice(-500)}`);
  return JSON.parse(line);
}

describe.skipIf(!lavapipe.ok)('WebGPU backend over Dawn, on Mesa lavapipe', () => {
  it('runs convolutions, gradients, Adam and the fused AdamW/SGD updates like the cpu backend (to 1e-5)', async () => {
    const result = (await runCheck('webgpu')) as BackendCheck;
    expect(result.backend).toMatchObject({
      name: 'webgpu',
      tfjsBackend: 'webgpu',
      details: { vendor: 'mesa', isFallbackAdapter: true },
    });
    expect(result.backend.device).toContain('llvmpipe');
    for (const [name, diff] of Object.entries(result.maxRelDiff))
      expect(diff, name).toBeLessThanOrEqual(1e-5);
    expect(Object.keys(result.maxRelDiff)).toEqual(
      expect.arrayContaining(['adamSteps', 'adamwSteps', 'sgdNesterovSteps', 'sgdDampeningSteps']),
    );
    // The project's optimizer went through the fused WebGPU update kernels, checked above against the
    // tf-op path on the cpu backend.
    expect(result.fusedOptimizer).toBe(true);
  }, 90_000);

  it('is passed by in automatic selection when the adapter is a software one', async () => {
    const selected = (await runCheck('auto')) as SelectedBackend;
    expect(selected.name).not.toBe('webgpu');
    expect(selected.skipped?.find((s) => s.name === 'webgpu')?.reason).toContain(
      'software WebGPU adapter',
    );
  }, 90_000);
});
