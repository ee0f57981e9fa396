/**
 * The worker daemon: registers with its slots, heartbeats, runs trials from the queue (one per slot), stops trials
 * the user cancels, and on shutdown lets running trials finish within a grace period before handing them back.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type LiveWorker, type WorkerPolicy, WorkerPolicySchema } from '@sweeps/core';
import { createDb, type Db, liveWorkerPolicies } from '@sweeps/db';
import { decideRung, followUpFinishedTrial, reconcileQueue } from '@sweeps/orchestrate';
import {
  createRedis,
  createTrialQueue,
  createTrialWorker,
  type Queue,
  type QueueNames,
  queueNames,
  type Redis,
  readJobLock,
  TrialLogShipper,
  type TrialJob,
  type Worker,
} from '@sweeps/queue';
import { describeContainment, detectContainment } from '@sweeps/trainer-command';
import { refuseTrainer } from '@sweeps/trainers';
import { WorkerShuttingDown } from './abort-reasons.ts';
import type { WorkerEnv } from './env.ts';
import { sleep } from './long-timer.ts';
import { pathStatusUnder } from './path-answers.ts';
import { childEnvironment, policyGate, readPolicy } from './policy.ts';
import { processTrialJob, type TrialJobDeps } from './process-trial-job.ts';
import { QueueLockWatch } from './queue-lock-watch.ts';
import { SlotLeases } from './slot-leases.ts';
import { objectStoreFromEnv } from './snapshots/object-store-settings.ts';
import { S3SnapshotStore } from './snapshots/s3-snapshot-store.ts';
import { detectSlots, type SlotDevice } from './slots.ts';
import { SweepFollowUps } from './sweep-follow-ups.ts';
import { startTrialDirRetention } from './trial-dir-retention.ts';
import { afterTrialEnds } from './trial-end-hook.ts';
import { TrialRouter } from './trial-routing.ts';
import { type NamedTrialUser, prepareTrialDir, trialUserEnv } from './trial-user.ts';
import { TrainerRegistry } from './trainers/registry.ts';
import { listenToChannels } from './worker-channels.ts';
import {
  markStopped,
  newWorkerToken,
  type OwnedRegistration,
  registerNewLife,
  startHeartbeat,
  type WorkerIdInUse,
} from './worker-presence.ts';

export interface WorkerOptions {
  env: WorkerEnv;
  /** Slots when no GPU is found (default: the core count). */
  slots?: number;
  id?: string;
  log: (line: string) => void;
  /** The unprivileged user trial processes run as (see trial-user.ts); null: the worker's own. */
  trialUser: NamedTrialUser | null;
  /** Another live process took this worker's id while it was lost: it must leave (main.ts stops and exits). */
  onIdTaken?: (err: WorkerIdInUse) => void;
}

export interface RunningWorker {
  id: string;
  slots: number;
  /** Stops taking trials, waits up to `graceMs` for running ones, then hands the rest back to the queue. */
  stop(graceMs: number): Promise<void>;
  /** How many trials run now (idle-exit.ts leaves after a time at none). */
  runningTrials(): number;
}

/** The Redis side of a worker: the queue's names, a command connection, a subscriber, the trial queue. */
interface RedisLinks {
  names: QueueNames;
  connection: Redis;
  subscriber: Redis;
  queue: Queue<TrialJob>;
}

/** What the parts of a started worker share. */
interface WorkerContext {
  id: string;
  env: WorkerEnv;
  log: (line: string) => void;
  db: Db;
  redis: RedisLinks;
  /** Running trials by id, so cancellations, lost locks and shutdown can reach them. */
  running: Map<string, AbortController>;
  /** This process's registration (its token owns the worker row). */
  registration: OwnedRegistration;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { env, log, trialUser } = opts;
  const id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const { policy, passEnv } = policyOf(env);
  const devices = await detectSlots(opts.slots, env.CUDA_VISIBLE_DEVICES);
  // Probed once, before the first trial: every trial process of this worker is held the same way.
  const containment = describeContainment(await detectContainment());
  // One connection per slot is plenty (a trial makes one query at a time); PostgreSQL allows ~100 in all.
  const db = createDb(env.DATABASE_URL, Math.min(devices.length + 2, 16));
  const registration: OwnedRegistration = {
    id,
    host: hostname(),
    slots: devices.length,
    devices,
    pid: process.pid,
    policy,
    token: newWorkerToken(),
  };
  await registerNewLife(db, registration, env.SWEEPS_WORKER_LOST_MS, log).catch(async (err) => {
    await db.$disconnect();
    throw err;
  });
  const ctx: WorkerContext = {
    id,
    env,
    log,
    db,
    redis: openRedis(env),
    running: new Map(),
    registration,
  };
  await restoreQueue(ctx);
  const deps = trialJobDeps(ctx, devices, policy, passEnv, trialUser);
  const jobs = runTrialJobs(ctx, deps, devices.length);
  const pathStatus = pathStatusUnder(policy);
  await listenToChannels({ ...ctx.redis, workerId: id, pathStatus, running: ctx.running, log });
  const stopUpkeep = startUpkeep(ctx, deps.slots, opts.onIdTaken ?? (() => {}));
  for (const line of readyLines(registration, policy, containment, trialUser, env)) log(line);
  const stopTimers = () => {
    jobs.stopLockWatch();
    stopUpkeep();
  };
  return {
    id,
    slots: devices.length,
    stop: (graceMs: number) => stopGracefully(ctx, jobs.worker, stopTimers, graceMs),
    runningTrials: () => ctx.running.size,
  };
}

/** The worker's policy and the variables it passes to trials, from its SWEEPS_WORKER_* settings. */
function policyOf(env: WorkerEnv) {
  return readPolicy({
    allowCommands: env.SWEEPS_WORKER_ALLOW_COMMANDS,
    allowEnv: env.SWEEPS_WORKER_ALLOW_ENV,
    cwdRoots: env.SWEEPS_WORKER_CWD_ROOTS,
    passEnv: env.SWEEPS_WORKER_PASS_ENV,
    workDir: env.SWEEPS_WORK_DIR,
  });
}

function openRedis(env: WorkerEnv): RedisLinks {
  const names = queueNames(env.SWEEPS_QUEUE_PREFIX);
  const connection = createRedis(env.REDIS_URL);
  const subscriber = createRedis(env.REDIS_URL);
  return { names, connection, subscriber, queue: createTrialQueue(names, connection) };
}

/** Redis may have lost work while no one was watching: reconcile once before taking trials. */
async function restoreQueue(ctx: WorkerContext): Promise<void> {
  const restored = await reconcileQueue(ctx.db, ctx.redis.queue);
  if (restored > 0) ctx.log(`reconcile: ${restored} queued trial(s) checked against Redis`);
}

/** What the job processor needs: the slots, the trainers, the trial processes' environment and user, the stores. */
function trialJobDeps(
  ctx: WorkerContext,
  devices: SlotDevice[],
  policy: WorkerPolicy,
  passEnv: string[],
  trialUser: NamedTrialUser | null,
): TrialJobDeps {
  const { id, env, db, log } = ctx;
  const { connection, names, queue } = ctx.redis;
  const store = objectStoreFromEnv(env);
  return {
    ...(store ? { snapshotStore: new S3SnapshotStore(store.client, store.location) } : {}),
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
    running: ctx.running,
    followUps: new SweepFollowUps(),
    decideRung: (rung) => decideRung({ db, queue }, rung, log),
    log,
    maxEpochsPerTrial: env.SWEEPS_MAX_EPOCHS_PER_TRIAL,
    routing: new TrialRouter({
      ownId: id,
      own: { policy, slots: devices.length },
      affinityWaitMs: env.SWEEPS_AFFINITY_WAIT_MS,
      readOthers: () => otherLiveWorkers(db, id, env.SWEEPS_WORKER_LOST_MS),
      refreshMs: env.SWEEPS_HEARTBEAT_MS,
      refusal: refuseTrainer,
    }),
  };
}

/** What the other live workers accept (their published policies and slots), for routing by capability. */
async function otherLiveWorkers(db: Db, ownId: string, lostAfterMs: number): Promise<LiveWorker[]> {
  const rows = await liveWorkerPolicies(db, lostAfterMs);
  return rows
    .filter((w) => w.id !== ownId)
    .map((w) => {
      const policy = WorkerPolicySchema.safeParse(w.policy);
      return {
        id: w.id,
        policy: policy.success && w.policy !== null ? policy.data : null,
        slots: w.slots,
        freeSlots: w.freeSlots,
      };
    });
}

/**
 * Takes trial jobs from the queue, one per slot; after a job that ended its trial, the trial's follow-up runs
 * (rungs settled, confirm trials added). Trials run only while this worker holds their job locks (a lock that runs
 * out hands the trial to another): the lock watch stops the others.
 */
function runTrialJobs(
  ctx: WorkerContext,
  deps: TrialJobDeps,
  slots: number,
): { worker: Worker; stopLockWatch: () => void } {
  const { env, db, log } = ctx;
  const { names, queue } = ctx.redis;
  const worker = createTrialWorker(
    names,
    createRedis(env.REDIS_URL),
    slots,
    afterTrialEnds(
      (job, token) => processTrialJob(deps, job, token),
      (trialId, sweepId) =>
        followUpFinishedTrial({ db, queue }, trialId, log, deps.followUps?.of(sweepId)),
    ),
  );
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  const lockReader = createRedis(env.REDIS_URL, { failFast: true });
  lockReader.on('error', () => {}); // unreachable: the watch trusts a lock until it could have run out
  const locks = new QueueLockWatch({
    read: (jobId) => readJobLock(lockReader, names, jobId),
    running: ctx.running,
    log,
  });
  worker.on('active', (job) => {
    if (job.id && job.token) locks.track(job.id, job.token);
  });
  const stopWatch = locks.start();
  return {
    worker,
    stopLockWatch: () => {
      stopWatch();
      lockReader.disconnect();
    },
  };
}

/** The heartbeat and the retention of trial directories; returns a function that stops both. */
function startUpkeep(
  ctx: WorkerContext,
  slots: SlotLeases,
  onIdTaken: (err: WorkerIdInUse) => void,
): () => void {
  const { env, db, log } = ctx;
  const retentionMs = env.SWEEPS_TRIAL_DIR_RETENTION_H * 3_600_000;
  const stopRetention = startTrialDirRetention(db, env.SWEEPS_DATA_DIR, retentionMs, log);
  const stopHeartbeat = startHeartbeat(db, ctx.registration, {
    everyMs: env.SWEEPS_HEARTBEAT_MS,
    lostAfterMs: env.SWEEPS_WORKER_LOST_MS,
    freeSlots: () => slots.freeCount(),
    log,
    onIdTaken,
  });
  return () => {
    stopHeartbeat();
    stopRetention();
  };
}

/** The lines a worker logs once it is ready: its policy, containment, trial user and slots. */
function readyLines(
  registration: OwnedRegistration,
  policy: WorkerPolicy,
  containment: string,
  trialUser: NamedTrialUser | null,
  env: WorkerEnv,
): string[] {
  const { id, devices } = registration;
  return [
    `policy: commands ${policy.commands.join(', ') || 'none'}; sweep environment ${policy.env.join(', ') || 'none'}; directories ${policy.cwdRoots.join(', ')}`,
    `trial processes are contained by: ${containment}`,
    env.SWEEPS_SNAPSHOT_STORE
      ? `snapshots also go to ${env.SWEEPS_SNAPSHOT_STORE} (checksummed), so trials resume on any host`
      : `snapshots stay in ${env.SWEEPS_DATA_DIR}: a trial resumes on another host only if it shares that directory (else set SWEEPS_SNAPSHOT_STORE)`,
    trialUser
      ? `trials run as ${trialUser.name} (uid ${trialUser.uid}): they cannot read this worker's environment or files`
      : `trials run as this worker's own user: they can read its environment (/proc/${process.pid}/environ) and files${process.getuid?.() === 0 ? ' (SWEEPS_WORKER_RUN_AS=off)' : ' (run the worker as root to run them as an unprivileged user)'}`,
    `worker ${id} ready with ${devices.length} slot(s): ${devices.map((d) => (d.kind === 'gpu' ? `GPU ${d.index} ${d.name ?? ''}`.trim() : `cpu ${d.slot}`)).join(', ')}`,
  ];
}

/**
 * Stops taking trials and waits up to `graceMs` for the running ones; past it, hands them back to the queue. Then
 * stops the timers, marks the worker stopped and closes its connections.
 */
async function stopGracefully(
  ctx: WorkerContext,
  worker: Worker,
  stopTimers: () => void,
  graceMs: number,
): Promise<void> {
  const { running, log } = ctx;
  const closing = worker.close(); // takes no new trials; resolves when the running ones are done
  const timedOut = await Promise.race([closing.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut && running.size > 0) {
    log(`grace period over: handing ${running.size} running trial(s) back to the queue`);
    for (const c of running.values()) c.abort(new WorkerShuttingDown());
  }
  await closing;
  stopTimers();
  await markStopped(ctx.db, ctx.registration).catch(() => {});
  await ctx.redis.queue.close();
  ctx.redis.subscriber.disconnect();
  ctx.redis.connection.disconnect();
  await ctx.db.$disconnect();
}
