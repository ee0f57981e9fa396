/**
 * The worker daemon: registers with its slots, heartbeats, runs trials from the queue (one per slot), stops trials
 * the user cancels, and on shutdown lets running trials finish within a grace period before handing them back.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  createDb,
  heartbeatWorker,
  registerWorker,
  type RequeuedTrial,
  settleTrialsOfPreviousLife,
  stopWorker,
} from '@sweeps/db';
import {
  answerPathProbe,
  CancelMessageSchema,
  createRedis,
  createTrialQueue,
  createTrialWorker,
  queueNames,
  readJobLock,
  TrialLogShipper,
} from '@sweeps/queue';
import { reconcileQueue } from '@sweeps/orchestrate';
import { describeContainment, detectContainment } from '@sweeps/trainer-command';
import { TrialCancelled, WorkerShuttingDown } from './abort-reasons.ts';
import { askConfirmStageAfter, startDueConfirmTrials } from './confirm-stage.ts';
import { requeuePromoted, resumeSettledRungs } from './paused-trials.ts';
import type { WorkerEnv } from './env.ts';
import { lastLine } from './db-retry.ts';
import { pathStatusUnder } from './path-answers.ts';
import { childEnvironment, policyGate, readPolicy } from './policy.ts';
import { processTrialJob } from './process-trial-job.ts';
import { type NamedTrialUser, prepareTrialDir, trialUserEnv } from './trial-user.ts';
import { QueueLockWatch } from './queue-lock-watch.ts';
import { startTrialDirRetention } from './trial-dir-retention.ts';
import { sleep } from './long-timer.ts';
import { SlotLeases } from './slot-leases.ts';
import { detectSlots } from './slots.ts';
import { TrainerRegistry } from './trainers/registry.ts';

export interface WorkerOptions {
  env: WorkerEnv;
  /** Slots when no GPU is found (default: the core count). */
  slots?: number;
  id?: string;
  log: (line: string) => void;
  /** The unprivileged user trial processes run as (see trial-user.ts); null: the worker's own. */
  trialUser: NamedTrialUser | null;
}

export interface RunningWorker {
  id: string;
  slots: number;
  /** Stops taking trials, waits up to `graceMs` for running ones, then hands the rest back to the queue. */
  stop(graceMs: number): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { env, log, trialUser } = opts;
  const id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const { policy, passEnv } = readPolicy({
    allowCommands: env.SWEEPS_WORKER_ALLOW_COMMANDS,
    allowEnv: env.SWEEPS_WORKER_ALLOW_ENV,
    cwdRoots: env.SWEEPS_WORKER_CWD_ROOTS,
    passEnv: env.SWEEPS_WORKER_PASS_ENV,
    workDir: env.SWEEPS_WORK_DIR,
  });
  const devices = await detectSlots(opts.slots);
  // Probed once, before the first trial: every trial process of this worker is held the same way.
  const containment = describeContainment(await detectContainment());
  // One connection per slot is plenty (a trial makes one query at a time); PostgreSQL allows ~100 in all.
  const db = createDb(env.DATABASE_URL, Math.min(devices.length + 2, 16));
  // An earlier life under this id died with trials running: they are not running any more, whatever its (fresh)
  // heartbeat would say, so they go back to the queue before this life registers.
  const settled = await settleTrialsOfPreviousLife(db, id);
  if (settled > 0) log(`settled ${settled} trial(s) left running by this worker's previous run`);
  const registration = {
    id,
    host: hostname(),
    slots: devices.length,
    devices,
    pid: process.pid,
    policy,
  };
  await registerWorker(db, registration);
  const names = queueNames(env.SWEEPS_QUEUE_PREFIX);
  const connection = createRedis(env.REDIS_URL);
  const subscriber = createRedis(env.REDIS_URL);
  const queue = createTrialQueue(names, connection);
  const restored = await reconcileQueue(db, queue); // Redis may have lost work while no one was watching
  if (restored > 0) log(`reconcile: ${restored} queued trial(s) checked against Redis`);

  const running = new Map<string, AbortController>();
  const deps = {
    db,
    workerId: id,
    dataDir: env.SWEEPS_DATA_DIR,
    slots: new SlotLeases(devices, `worker ${id} on ${hostname()}`),
    openTrialLog: (trialId: string) => new TrialLogShipper(connection, names, trialId),
    trainers: new TrainerRegistry({
      workDir: env.SWEEPS_WORK_DIR,
      gate: policyGate(policy),
      readRoots: [...policy.cwdRoots, env.SWEEPS_DATA_DIR],
    }),
    baseEnv: {
      ...childEnvironment(process.env, passEnv),
      ...(trialUser ? trialUserEnv(trialUser) : {}),
    },
    ...(trialUser
      ? {
          trialUser: { uid: trialUser.uid, gid: trialUser.gid },
          prepareTrialDir: (dir: string) => prepareTrialDir(dir, trialUser),
        }
      : {}),
    running,
    requeue: (trials: RequeuedTrial[]) => requeuePromoted(queue, trials, log),
    log,
    maxEpochsPerTrial: env.SWEEPS_MAX_EPOCHS_PER_TRIAL,
  };
  const worker = createTrialWorker(
    names,
    createRedis(env.REDIS_URL),
    devices.length,
    askConfirmStageAfter(
      (job, token) => processTrialJob(deps, job, token),
      async (trialId) => {
        await resumeSettledRungs(db, queue, trialId, log);
        await startDueConfirmTrials(db, queue, trialId, log);
      },
    ),
  );
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  // Trials run only while this worker holds their job locks (a lock that runs out hands the trial to another).
  const lockReader = createRedis(env.REDIS_URL, { failFast: true });
  lockReader.on('error', () => {}); // unreachable: the watch trusts a lock until it could have run out
  const locks = new QueueLockWatch({
    read: (jobId) => readJobLock(lockReader, names, jobId),
    running,
    log,
  });
  worker.on('active', (job) => {
    if (job.id && job.token) locks.track(job.id, job.token);
  });
  const stopLockWatch = locks.start();

  const pathStatus = pathStatusUnder(policy);
  await subscriber.subscribe(names.cancelChannel, names.pathProbeChannel);
  subscriber.on('message', (channel, text) => {
    if (channel === names.pathProbeChannel) {
      answerPathProbe(connection, names, id, text, pathStatus).catch((err) =>
        log(`could not answer a file check: ${lastLine(err)}`),
      );
      return;
    }
    const msg = CancelMessageSchema.safeParse(safeJson(text));
    if (!msg.success) return;
    for (const trialId of msg.data.trialIds) running.get(trialId)?.abort(new TrialCancelled());
  });

  const stopRetention = startTrialDirRetention(
    db,
    env.SWEEPS_DATA_DIR,
    env.SWEEPS_TRIAL_DIR_RETENTION_H * 3_600_000,
    log,
  );
  const heartbeat = setInterval(() => {
    heartbeatWorker(db, id).catch(() =>
      registerWorker(db, registration).catch((err) => log(`heartbeat failed: ${lastLine(err)}`)),
    );
  }, env.SWEEPS_HEARTBEAT_MS);
  log(
    `policy: commands ${policy.commands.join(', ') || 'none'}; sweep environment ${policy.env.join(', ') || 'none'}; directories ${policy.cwdRoots.join(', ')}`,
  );
  log(`trial processes are contained by: ${containment}`);
  log(
    trialUser
      ? `trials run as ${trialUser.name} (uid ${trialUser.uid}): they cannot read this worker's environment or files`
      : `trials run as this worker's own user: they can read its environment (/proc/${process.pid}/environ) and files${process.getuid?.() === 0 ? ' (SWEEPS_WORKER_RUN_AS=off)' : ' (run the worker as root to run them as an unprivileged user)'}`,
  );
  log(
    `worker ${id} ready with ${devices.length} slot(s): ${devices.map((d) => (d.kind === 'gpu' ? `GPU ${d.index} ${d.name ?? ''}`.trim() : `cpu ${d.slot}`)).join(', ')}`,
  );

  return {
    id,
    slots: devices.length,
    async stop(graceMs: number) {
      const closing = worker.close(); // takes no new trials; resolves when the running ones are done
      const timedOut = await Promise.race([
        closing.then(() => false),
        sleep(graceMs).then(() => true),
      ]);
      if (timedOut && running.size > 0) {
        log(`grace period over: handing ${running.size} running trial(s) back to the queue`);
        for (const c of running.values()) c.abort(new WorkerShuttingDown());
      }
      await closing;
      clearInterval(heartbeat);
      stopLockWatch();
      stopRetention();
      await stopWorker(db, id).catch(() => {});
      await queue.close();
      subscriber.disconnect();
      connection.disconnect();
      lockReader.disconnect();
      await db.$disconnect();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
