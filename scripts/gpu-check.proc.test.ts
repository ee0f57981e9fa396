/**
 * scripts/gpu-check in its fake mode (a stand-in nvidia-smi, stand-ins of PyTorch, the wasm TF.js backend at tiny
 * sizes), as CI runs it: every check passes on two fake GPUs; on one fake GPU the two trials wait for the one slot;
 * and a CUDA out-of-memory error the trainer cannot recognise makes the oom check, and the command, fail.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const GPU_CHECK = path.join(repo, 'scripts', 'gpu-check');

interface Line {
  check: string;
  status: 'pass' | 'fail' | 'skip';
  mode: string;
  reason?: string;
  [field: string]: unknown;
}

function gpuCheck(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; lines: Line[]; stderr: string }>((resolve) => {
    execFile(
      GPU_CHECK,
      args,
      { cwd: repo, env: { ...process.env, ...env }, timeout: 110_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        const lines = stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line);
        resolve({ code, lines, stderr });
      },
    );
  });
}

describe('scripts/gpu-check --fake', () => {
  it('passes every check on two fake GPUs; one GPU queues the second trial; an unrecognised oom fails it', async () => {
    const [all, broken] = await Promise.all([
      gpuCheck(['--fake']),
      gpuCheck(['--fake', '--fake-gpus', '1', '--only', 'pinning,oom'], {
        GPU_CHECK_FAKE_OOM_MESSAGE: 'RuntimeError: the allocator said no',
      }),
    ]);

    const failed = all.lines.filter((l) => l.status !== 'pass');
    expect(failed, all.stderr).toEqual([]);
    expect(all.code).toBe(0);
    expect(all.lines.every((l) => l.mode === 'fake')).toBe(true);
    const checks = all.lines.map((l) => l.check);
    for (const c of [
      'environment',
      'slots',
      'pinning',
      'oom',
      'mmdet-1gpu',
      'mmdet-2gpu',
      'tfjs',
      'summary',
    ])
      expect(checks, c).toContain(c);
    const by = (c: string) => all.lines.find((l) => l.check === c)!;
    expect(by('slots')).toMatchObject({ count: 2, listed_by_nvidia_smi: 2 });
    expect(by('pinning')).toMatchObject({
      ran_together: true,
      trials: [
        { slot: '0', visible: '0', device_count: 1, state: 'succeeded' },
        { slot: '1', visible: '1', device_count: 1, state: 'succeeded' },
      ],
    });
    expect(by('oom')).toMatchObject({ recorded_reason: 'oom', next_trial: 'succeeded' });
    expect(by('mmdet-2gpu')).toMatchObject({
      cuda_visible_devices: '0,1',
      processes_left: 0,
      ranks: [{ all_reduce: 3 }, { all_reduce: 3 }],
    });
    expect(String(by('mmdet-2gpu').launch)).toContain(
      '-m torch.distributed.run --nproc_per_node 2',
    );
    const tfjs = all.lines.filter((l) => l.check === 'tfjs');
    expect(tfjs.map((l) => `${l.model} ${l.batch}`)).toEqual([
      'ref-resnet 2',
      'ref-resnet 4',
      'detector-demo 2',
      'detector-demo 4',
    ]);
    for (const l of tfjs) {
      expect(l.kernels_per_step as number).toBeGreaterThan(l.optimizer_kernels_per_step as number);
      if (l.fused_optimizer) expect(l.optimizer_kernels_per_step).toBe(l.parameters);
    }
    expect(all.lines.at(-1)).toMatchObject({ check: 'summary', status: 'pass', failed: 0 });

    expect(broken.code).toBe(1);
    const brokenBy = (c: string) => broken.lines.find((l) => l.check === c)!;
    expect(brokenBy('pinning')).toMatchObject({
      status: 'pass',
      ran_together: false,
      policy: 'one GPU: one slot, the second trial waited for it',
    });
    expect(brokenBy('oom')).toMatchObject({ status: 'fail', recorded_reason: 'failed' });
    expect(brokenBy('oom').reason).toMatch(/failed with reason failed, not oom/);
    expect(broken.lines.at(-1)).toMatchObject({ check: 'summary', status: 'fail', failed: 1 });
  }, 120_000);
});
