/** Worker daemons: registration, heartbeats and what each one runs. */
import type { Db } from './client.ts';
import { Prisma } from './generated/client.ts';

export interface WorkerRegistration {
  id: string;
  host: string;
  slots: number;
  devices: Array<{
    slot: number;
    kind: 'gpu' | 'cpu';
    index?: number;
    name?: string;
    memoryMb?: number;
  }>;
  pid: number;
  /** What the worker accepts (core's WorkerPolicy), for the API's check before a submission. */
  policy?: Prisma.InputJsonObject;
  /**
   * The random token of the process registering (see {@link claimWorkerId}): heartbeats and the stop mark that
   * name it apply only while the row holds it. Absent: the row is not owned (tests, tools).
   */
  token?: string;
}

/** Who holds a worker id that another process asked for. */
export interface WorkerIdHolder {
  host: string;
  pid: number;
  lastHeartbeatAt: Date;
}

export async function registerWorker(db: Db, w: WorkerRegistration): Promise<void> {
  await db.worker.upsert({
    where: { id: w.id },
    create: {
      ...w,
      devices: w.devices,
      policy: w.policy ?? Prisma.DbNull,
      token: w.token ?? null,
    },
    update: {
      host: w.host,
      slots: w.slots,
      devices: w.devices,
      pid: w.pid,
      policy: w.policy ?? Prisma.DbNull,
      token: w.token ?? null,
      lastHeartbeatAt: new Date(),
      stoppedAt: null,
    },
  });
}

/**
 * Registers `w` under its id and token unless another process holds the id: a row not stopped, with another
 * token, whose heartbeat is newer than `lostAfterMs`, unless it is `deadHolder` (the caller saw that process is gone:
 * a worker restarted on the same host after a crash). One statement, so two processes starting at once cannot both
 * win. Returns null when registered, else who holds the id.
 */
export async function claimWorkerId(
  db: Db,
  w: WorkerRegistration & { token: string },
  lostAfterMs: number,
  deadHolder?: { host: string; pid: number },
): Promise<WorkerIdHolder | null> {
  const won = await db.$executeRaw`
    INSERT INTO workers (id, host, slots, devices, pid, policy, token, started_at, last_heartbeat_at, stopped_at)
    VALUES (${w.id}, ${w.host}, ${w.slots}, ${JSON.stringify(w.devices)}::jsonb, ${w.pid},
            ${w.policy ? JSON.stringify(w.policy) : null}::jsonb, ${w.token}, now(), now(), NULL)
    ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, slots = EXCLUDED.slots, devices = EXCLUDED.devices,
      pid = EXCLUDED.pid, policy = EXCLUDED.policy, token = EXCLUDED.token,
      started_at = CASE WHEN workers.token IS NOT DISTINCT FROM EXCLUDED.token THEN workers.started_at ELSE now() END,
      last_heartbeat_at = now(), stopped_at = NULL
    WHERE workers.stopped_at IS NOT NULL OR workers.token IS NOT DISTINCT FROM EXCLUDED.token
      OR workers.last_heartbeat_at <= now() - make_interval(secs => ${lostAfterMs / 1000}::float8)
      OR (workers.host = ${deadHolder?.host ?? null} AND workers.pid = ${deadHolder?.pid ?? null})`;
  if (won === 1) return null;
  const holder = await db.worker.findUnique({
    where: { id: w.id },
    select: { host: true, pid: true, lastHeartbeatAt: true },
  });
  // gone between the two statements (removed by hand): free again
  return holder ?? (await claimWorkerId(db, w, lostAfterMs, deadHolder));
}

/**
 * Renews the heartbeat of the row `workerId` holds with `token` (with its free slots, for affinity); false when the
 * row is gone or another process
 * registered under the id since (this process no longer owns it). Without a token: any row of the id.
 */
export async function heartbeatWorker(
  db: Db,
  workerId: string,
  token?: string,
  freeSlots?: number,
): Promise<boolean> {
  const { count } = await db.worker.updateMany({
    where: { id: workerId, ...(token !== undefined ? { token } : {}) },
    data: { lastHeartbeatAt: new Date(), ...(freeSlots !== undefined ? { freeSlots } : {}) },
  });
  return count === 1;
}

/**
 * Marks the worker stopped (it deregistered on shutdown); with `token`, only if the row is still this process's,
 * so a duplicate that was refused or displaced never marks the live holder stopped. Returns whether it applied.
 */
export async function stopWorker(db: Db, workerId: string, token?: string): Promise<boolean> {
  const { count } = await db.worker.updateMany({
    where: { id: workerId, ...(token !== undefined ? { token } : {}) },
    data: { stoppedAt: new Date() },
  });
  return count === 1;
}

/** Workers seen in the last `withinMs`, with the trials each one runs now. */
export async function listWorkers(db: Db, withinMs: number, now = new Date()) {
  const workers = await db.worker.findMany({
    where: {
      OR: [{ stoppedAt: null }, { stoppedAt: { gt: new Date(now.getTime() - withinMs) } }],
      lastHeartbeatAt: { gt: new Date(now.getTime() - withinMs) },
    },
    orderBy: { startedAt: 'asc' },
  });
  const running = await db.trial.findMany({
    where: { state: 'running', workerId: { in: workers.map((w) => w.id) } },
    select: { id: true, sweepId: true, workerId: true, startedAt: true },
  });
  return workers.map((w) => ({ ...w, running: running.filter((t) => t.workerId === w.id) }));
}

/**
 * The published policy and slot count of every worker alive in the last `withinMs` (policy null for a worker that
 * published none): what preview warns with and what routing asks when a worker refuses a trial.
 */
export async function liveWorkerPolicies(db: Db, withinMs: number, now = new Date()) {
  return db.worker.findMany({
    where: { stoppedAt: null, lastHeartbeatAt: { gt: new Date(now.getTime() - withinMs) } },
    select: { id: true, policy: true, slots: true, freeSlots: true },
    orderBy: { id: 'asc' },
  });
}
