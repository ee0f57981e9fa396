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
}

export async function registerWorker(db: Db, w: WorkerRegistration): Promise<void> {
  await db.worker.upsert({
    where: { id: w.id },
    create: { ...w, devices: w.devices, policy: w.policy ?? Prisma.DbNull },
    update: {
      host: w.host,
      slots: w.slots,
      devices: w.devices,
      pid: w.pid,
      policy: w.policy ?? Prisma.DbNull,
      lastHeartbeatAt: new Date(),
      stoppedAt: null,
    },
  });
}

export async function heartbeatWorker(db: Db, workerId: string): Promise<void> {
  await db.worker.update({ where: { id: workerId }, data: { lastHeartbeatAt: new Date() } });
}

export async function stopWorker(db: Db, workerId: string): Promise<void> {
  await db.worker.updateMany({ where: { id: workerId }, data: { stoppedAt: new Date() } });
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

/** The published policy of every worker alive in the last `withinMs` (null for a worker that published none). */
export async function liveWorkerPolicies(db: Db, withinMs: number, now = new Date()) {
  return db.worker.findMany({
    where: { stoppedAt: null, lastHeartbeatAt: { gt: new Date(now.getTime() - withinMs) } },
    select: { id: true, policy: true },
    orderBy: { id: 'asc' },
  });
}
