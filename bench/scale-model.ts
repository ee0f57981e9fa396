/** The scale benchmark's pure parts (scale-model.test.ts) and its reading of CPU time per party. */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** A grid of one optimizer: `checkpoints` x `lrs` x `seeds` trials. */
export interface SweepShape {
  checkpoints: number;
  lrs: number;
  seeds: number;
}

/** Trials per sweep at most: a POST of 10,000 can outlast the API's 15 s enqueue deadline on a loaded machine. */
export const SWEEP_TRIALS = 2_000;

/** Sweeps of at most SWEEP_TRIALS (10 checkpoints x up to 20 lrs x 10 seeds) holding at least `trials` in all. */
export function splitSweeps(trials: number): SweepShape[] {
  const out: SweepShape[] = [];
  for (let left = trials; left > 0; left -= SWEEP_TRIALS)
    out.push({
      checkpoints: 10,
      lrs: Math.min(SWEEP_TRIALS / 100, Math.ceil(left / 100)),
      seeds: 10,
    });
  return out;
}

/** CPU seconds of a process so far (user + system), from /proc; 0 when it cannot be read. */
function procCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second)
  } catch {
    return 0;
  }
}

/** CPU seconds so far of this process, the API, the database's PostgreSQL backends and redis-server. */
export async function cpuSeconds(admin: pg.Client, redis: Redis, dbName: string, apiPid: number) {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1',
    [dbName],
  );
  const info = await redis.info('server');
  const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
  const own = process.cpuUsage();
  return {
    bench: (own.user + own.system) / 1e6,
    api: procCpu(apiPid),
    postgres: rows.reduce((a, r) => a + procCpu(r.pid), 0),
    redis: redisPid ? procCpu(redisPid) : 0,
  };
}
