/**
 * The `mmdet` trainer: per trial, a derived config in the trial's directory, then MMDetection's own
 * `tools/train.py` (one GPU) or `torch.distributed.run` (several), run through the command trainer's process
 * handling; metrics from its output while it runs and from its JSON log when it exits.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import {
  type CommandGate,
  PermanentTrialError,
  type Trainer,
  type TrainerContext,
  type TrainerResult,
  type TrialRun,
} from '@sweeps/core';
import {
  checkReadable,
  EpochReporter,
  extractAll,
  handToTrial,
  isOutOfMemoryLine,
  outputLogPath,
  readBounded,
  runTrainingProcess,
} from '@sweeps/trainer-command';
import { deriveConfigText } from './derived-config.ts';
import { DivergenceWatch } from './divergence.ts';
import { LossDiverged, diverged, divergedLoss, metricMissing, outOfMemory } from './failures.ts';
import { checkpointLocation, freePort, launchArgv, resumePoint, trialPaths } from './launch.ts';
import { mmdetCommand } from './policy-refusal.ts';
import { createMmdetExtractor } from './metrics/extractor.ts';
import { isDataPathOption, type MmdetTrainerSpec, MmdetTrainerSpecSchema } from './spec.ts';

function invalid(message: string): PermanentTrialError {
  return new PermanentTrialError(`${message} (worker node ${hostname()})`, 'invalid');
}

/** Parses the trainer section again on the worker (the API checked it; an old sweep may predate a field). */
function parseSpec(trainer: TrialRun['trainer']): MmdetTrainerSpec {
  const parsed = MmdetTrainerSpecSchema.safeParse(trainer);
  if (parsed.success) return parsed.data;
  throw new PermanentTrialError(
    `trainer: ${parsed.error.issues.map((i) => `${['trainer', ...i.path].join('.')}: ${i.message}`).join('; ')}`,
    'invalid',
  );
}

/**
 * Everything that must exist on this node before a GPU is spent, names the missing path; the config (MMDetection
 * executes it), local checkpoints and dataset paths in `cfg_options` must lie in the worker's directories.
 */
function checkNode(
  spec: MmdetTrainerSpec,
  trial: TrialRun,
  ctx: TrainerContext,
  readRoots: readonly string[] | undefined,
) {
  const root = path.resolve(spec.root);
  const readable = (what: string, file: string) => {
    if (readRoots) checkReadable(what, file, readRoots);
  };
  if (!existsSync(path.join(root, 'tools', 'train.py')))
    throw invalid(`MMDetection not found: ${path.join(root, 'tools', 'train.py')} does not exist`);
  const baseConfig = path.resolve(root, spec.config);
  readable('trainer.config', baseConfig);
  if (!existsSync(baseConfig)) throw invalid(`config not found: ${baseConfig}`);
  const ckpt = checkpointLocation(trial.checkpoint, root);
  if (ckpt.local && ckpt.path) readable(`checkpoint "${trial.checkpoint.name}"`, ckpt.path);
  if (ckpt.local && ckpt.path && !existsSync(ckpt.path))
    throw invalid(`checkpoint ${trial.checkpoint.name} not found: ${ckpt.path}`);
  for (const [key, value] of Object.entries(spec.cfg_options))
    if (isDataPathOption(key, value))
      readable(`trainer.cfg_options.${key}`, path.resolve(root, value));
  const gpus = (ctx.env.CUDA_VISIBLE_DEVICES ?? '').split(',').filter(Boolean);
  if (gpus.length < spec.gpus_per_trial && !(gpus.length === 0 && spec.gpus_per_trial === 1))
    throw invalid(`the trial needs ${spec.gpus_per_trial} GPUs and was given ${gpus.length}`);
  return { root, baseConfig, checkpointPath: ckpt.path, gpus: gpus.join(',') };
}

/** The newest JSON log of the run: v2 `<work dir>/*.log.json`, v3 `<work dir>/<timestamp>/vis_data/scalars.json`. */
async function newestJsonLog(version: 2 | 3, workDir: string): Promise<string | null> {
  const names = await readdir(workDir).catch(() => [] as string[]);
  const candidates =
    version === 2
      ? names.filter((n) => n.endsWith('.log.json')).map((n) => path.join(workDir, n))
      : names.map((n) => path.join(workDir, n, 'vis_data', 'scalars.json'));
  let newest: { file: string; mtime: number } | null = null;
  for (const file of candidates) {
    const s = await stat(file).catch(() => null);
    if (s?.isFile() && (!newest || s.mtimeMs > newest.mtime)) newest = { file, mtime: s.mtimeMs };
  }
  return newest?.file ?? null;
}

/** Options of {@link MmdetTrainer}. */
export interface MmdetTrainerOptions {
  /** The worker's policy, asked about `python` (run from `root`); without one, everything is allowed (tests). */
  gate?: CommandGate;
  /** The directories the config and checkpoints must lie in (the worker's); without them, anywhere (tests). */
  readRoots?: string[];
}

export class MmdetTrainer implements Trainer {
  readonly kind = 'mmdet';

  constructor(private readonly options: MmdetTrainerOptions = {}) {}

  /** MMDetection's own resume point in the trial's work dir (v3 `last_checkpoint`, v2 `latest.pth`). */
  async findSnapshot(trial: TrialRun, trialDir: string): Promise<string | null> {
    const parsed = MmdetTrainerSpecSchema.safeParse(trial.trainer);
    if (!parsed.success) return null; // run() refuses it with the reason
    return resumePoint(parsed.data.version, trialPaths(trialDir).workDir);
  }

  async run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult> {
    const spec = parseSpec(trial.trainer);
    const refused = this.options.gate?.check({
      executable: spec.python,
      argv: mmdetCommand(spec.python), // the script it runs, however it is launched
      cwd: path.resolve(spec.root),
      env: {},
    });
    if (refused)
      throw new PermanentTrialError(`refused by this worker's policy: ${refused}`, 'invalid');
    const node = checkNode(spec, trial, ctx, this.options.readRoots);
    const files = trialPaths(ctx.trialDir);
    const resume = resumePoint(spec.version, files.workDir);
    await mkdir(path.dirname(files.derivedConfig), { recursive: true });
    await mkdir(files.workDir, { recursive: true });
    await handToTrial(files.workDir, ctx.runAs); // MMDetection writes there, as the trial's user
    await writeFile(
      files.derivedConfig,
      deriveConfigText({
        spec,
        trial,
        baseConfig: node.baseConfig,
        checkpointPath: node.checkpointPath,
        resume: resume !== null,
      }),
    );
    const argv = launchArgv({
      spec,
      derivedConfig: files.derivedConfig,
      workDir: files.workDir,
      seed: trial.seed,
      resumeFrom: resume,
      masterPort: spec.gpus_per_trial > 1 ? await freePort() : 0,
    });
    ctx.log(`mmdet: ${argv.join(' ')}`);

    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stop.signal]);
    const reporter = new EpochReporter(ctx);
    let oom = false;
    const watch = new DivergenceWatch({
      maxLoss: spec.divergence.max_loss,
      patience: spec.divergence.patience,
    });
    const divergedNow = (why: string | null) => {
      if (why && !stop.signal.aborted) stop.abort(new LossDiverged(why));
    };
    const run = await runTrainingProcess(
      {
        argv,
        cwd: node.root,
        env: { ...ctx.env, SWEEPS_TRIAL_ID: trial.trialId }, // the worker's explicit environment
        ctx: { ...ctx, signal },
        extractor: createMmdetExtractor(spec.version),
        metricStreams: 'both',
        logFile: outputLogPath(ctx.trialDir),
        onLine: (line) => {
          oom ||= isOutOfMemoryLine(line);
          divergedNow(watch.push(line));
        },
        onEpoch: (e) => {
          const loss = divergedLoss(e.metrics);
          divergedNow(loss && `${loss} at epoch ${e.epoch}`);
        },
      },
      reporter,
    );
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const tail = run.tail.text();
    if (stop.signal.aborted) throw diverged((stop.signal.reason as Error).message, tail);
    if (run.code !== 0) {
      if (oom) throw outOfMemory(node.gpus, tail);
      const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.code}`;
      if (run.signal) throw new Error(`tools/train.py ${how}\n${tail}`); // may not repeat: retried
      throw new PermanentTrialError(`tools/train.py ${how}\n${tail}`, 'failed');
    }
    const jsonLog = await newestJsonLog(spec.version, files.workDir);
    const text = jsonLog ? await readBounded(jsonLog) : null;
    if (text) reporter.report(extractAll(createMmdetExtractor(spec.version), text));
    await reporter.settled();
    const final = reporter.latest[trial.metricName];
    if (final === undefined) throw metricMissing(trial.metricName, tail);
    if (!Number.isFinite(final)) throw diverged(`${trial.metricName} = ${final}`, tail);
    return {
      metrics: reporter.latest,
      backend: `mmdetection-${spec.version}`,
      device: node.gpus ? `cuda:${node.gpus}` : 'cpu',
    };
  }
}
