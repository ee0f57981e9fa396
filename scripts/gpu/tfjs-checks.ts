/**
 * The TF.js part of scripts/gpu-check: tfjs-steps.ts in a child process (WebGPU in real mode; the wasm backend, or
 * the one `--tfjs-backend` names, in fake mode, at tiny sizes), then in real mode the same reference ResNet in
 * PyTorch CUDA (packages/trainer-tfjs/bench/ref_resnet_torch.py) in the same run, for the ratio.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { lavapipeEnv } from '../../packages/trainer-tfjs/src/backend/lavapipe.ts';
import type { CheckContext } from './command-checks.ts';
import type { CheckLine } from './report.ts';

export interface TfjsSettings {
  backend: string;
  size: number;
  detectorScale: number;
  batches: number[];
  steps: number;
  warmup: number;
  timeoutS: number;
}

export const REAL_TFJS: Omit<TfjsSettings, 'backend'> = {
  size: 64,
  detectorScale: 128,
  batches: [16, 64],
  steps: 5,
  warmup: 2,
  timeoutS: 240,
};
export const FAKE_TFJS: Omit<TfjsSettings, 'backend'> = {
  size: 16,
  detectorScale: 64,
  batches: [2, 4],
  steps: 1,
  warmup: 1,
  timeoutS: 240,
};

interface Run {
  code: number | null;
  lines: Array<Record<string, unknown>>;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command with a time limit; its stdout's JSON lines, the end of its stderr. */
function runJsonLines(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutS: number },
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutS * 1000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      resolve({ code, lines, stderr, timedOut });
    };
    child.on('error', (err) => {
      stderr += String(err);
      done(null);
    });
    child.on('close', done);
  });
}

/** How to start tfjs-steps: from source with tsx, or the bundle beside this file (`.gpu-check/`). */
function tfjsStepsArgv(root: string): string[] {
  const bundled = path.join(path.dirname(process.argv[1] ?? ''), 'tfjs-steps-run.mjs');
  if (process.argv[1]?.endsWith('.mjs') && existsSync(bundled)) return [process.execPath, bundled];
  return [process.execPath, '--import', 'tsx', path.join(root, 'scripts', 'gpu', 'tfjs-steps.ts')];
}

/** What a failed child said: its last `...Error: ...` line, else its last lines that are not a stack trace. */
function lastLines(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  const error = lines.filter((l) => /^[A-Za-z]*Error\b.*:/.test(l)).at(-1);
  const rest = lines.filter((l) => l && !/^(at |\}|\{|Node\.js v)/.test(l)).slice(-3);
  return (error ?? rest.join(' | ')).slice(0, 600);
}

export async function checkTfjs(ctx: CheckContext, settings: TfjsSettings): Promise<CheckLine[]> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (ctx.fake && settings.backend === 'webgpu') {
    const lavapipe = lavapipeEnv();
    if (!lavapipe.ok) return [{ check: 'tfjs', status: 'fail', reason: lavapipe.reason }];
    Object.assign(env, lavapipe.env);
  }
  const started = Date.now();
  const tfjs = await runJsonLines(
    [
      ...tfjsStepsArgv(ctx.root),
      '--backend',
      settings.backend,
      '--size',
      String(settings.size),
      '--detector-scale',
      String(settings.detectorScale),
      '--batches',
      settings.batches.join(','),
      '--steps',
      String(settings.steps),
      '--warmup',
      String(settings.warmup),
    ],
    { cwd: ctx.root, env, timeoutS: settings.timeoutS },
  );
  const tfjsS = Math.round((Date.now() - started) / 100) / 10;
  const entries = tfjs.lines.filter((l) => typeof l.model === 'string');
  const torch = new Map<number, Record<string, unknown>>();
  const lines: CheckLine[] = [];
  if (ctx.fake) {
    // fake mode has no PyTorch CUDA: nothing to compare with
  } else if (!ctx.torchPython) {
    lines.push({ check: 'pytorch-cuda', status: 'skip', reason: ctx.noTorch ?? 'no PyTorch' });
  } else {
    const script = path.join(ctx.root, 'packages', 'trainer-tfjs', 'bench', 'ref_resnet_torch.py');
    const run = await runJsonLines(
      [
        ctx.torchPython,
        script,
        '--json',
        '--device',
        'cuda',
        '--sizes',
        String(settings.size),
        '--batches',
        settings.batches.join(','),
      ],
      { cwd: ctx.root, env: process.env, timeoutS: 120 },
    );
    for (const l of run.lines) if (typeof l.batch === 'number') torch.set(l.batch, l);
    lines.push({
      check: 'pytorch-cuda',
      status: run.code === 0 && torch.size === settings.batches.length ? 'pass' : 'fail',
      ...(run.code === 0 ? {} : { reason: `ref_resnet_torch.py failed: ${lastLines(run.stderr)}` }),
      results: run.lines,
    });
  }
  const failed: CheckLine[] =
    tfjs.code !== 0 || !tfjs.lines.some((l) => l.done === true)
      ? [
          {
            check: 'tfjs',
            status: 'fail',
            reason: tfjs.timedOut
              ? `tfjs-steps did not finish in ${settings.timeoutS} s`
              : `tfjs-steps exited with code ${tfjs.code}: ${lastLines(tfjs.stderr)}`,
            finished_entries: entries.length,
            run_s: tfjsS,
          },
        ]
      : [];
  const fusedExpected = !ctx.fake || settings.backend === 'webgpu';
  const tfjsLines: CheckLine[] = entries.map((e) => {
    const reference = e.model === 'ref-resnet' ? torch.get(e.batch as number) : undefined;
    const torchRate = reference?.train_images_per_s as number | undefined;
    const problems = [
      !ctx.fake && e.backend !== 'webgpu' ? `ran on ${e.backend}, not WebGPU` : null,
      !ctx.fake && /llvmpipe|lavapipe|swiftshader/i.test(String(e.device))
        ? `WebGPU found only a software adapter (${e.device})`
        : null,
      fusedExpected && e.fused_optimizer !== true
        ? 'the fused optimizer updates are not registered'
        : null,
      e.fused_optimizer === true && e.optimizer_kernels_per_step !== e.parameters
        ? `the optimizer step ran ${e.optimizer_kernels_per_step} kernels for ${e.parameters} parameters (fused: one each)`
        : null,
      typeof e.train_images_per_s !== 'number' || !(e.train_images_per_s > 0)
        ? 'no training rate'
        : null,
    ].filter((p): p is string => p !== null);
    return {
      check: 'tfjs',
      status: problems.length ? 'fail' : 'pass',
      ...(problems.length ? { reason: problems.join('; ') } : {}),
      ...e,
      run_s: tfjsS,
      ...(torchRate
        ? {
            pytorch_cuda_train_images_per_s: torchRate,
            ratio_vs_pytorch_cuda:
              Math.round(((e.train_images_per_s as number) / torchRate) * 1000) / 1000,
          }
        : {}),
    };
  });
  if (failed.length === 0 && entries.length === 0)
    failed.push({
      check: 'tfjs',
      status: 'fail',
      reason: 'tfjs-steps reported nothing',
      run_s: tfjsS,
    });
  return [...failed, ...tfjsLines, ...lines];
}
