/**
 * Limits of issue 19, through a real API process on a fresh database and queue prefix.
 * 1. Cancel and delete of a 10,000-trial sweep (a cancel of 9,305 queued trials once answered 500 after 57 s). Each
 *    round creates the sweep (10,000 queued trials, 10,000 jobs in Redis), then a second 10,000-trial sweep whose
 *    jobs are newer (the worst case for removing the first one's jobs: BullMQ removes a waiting job by scanning the
 *    wait list from its newest end), then times `POST .../cancel` until its answer, how long until the first
 *    sweep's jobs have all left Redis, and `DELETE` of both sweeps.
 * 2. The trial view of a trial with 10,000 epochs x 26 metrics (once one 2.4 MB body taking 2 s): the first page
 *    and a late one, 20 requests each.
 * `npm run bench:limits [-- rounds]`; prints one JSON object per round and per page.
 */
import { Redis } from 'ioredis';
import { Stack } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { quantile, sweepSpec } from './support.ts';

const spec = (name: string) => sweepSpec(name, 10, 10, 5, 10, { kind: 'noop' }); // 200 cells x 5 x 10 = 10,000

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - t0)];
}

async function round(stack: Stack, redis: Redis, i: number) {
  const create = async (name: string) => {
    const r = await stack.call('POST', '/api/v1/sweeps', spec(name));
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json.id as string;
  };
  const first = await create(`cancel-${i}`);
  const second = await create(`backlog-${i}`);
  const wait = `${stack.prefix}:trials:wait`;
  const [cancel, cancelMs] = await timed(() =>
    stack.call('POST', `/api/v1/sweeps/${first}/cancel`),
  );
  if (cancel.status !== 200) throw new Error(`cancel: ${cancel.status} ${cancel.text}`);
  const jobsLeftAtAnswer = (await redis.llen(wait)) - 10_000;
  const [, drainedMs] = await timed(() =>
    waitFor(
      'the cancelled jobs to leave Redis',
      async () => (await redis.llen(wait)) === 10_000,
      120_000,
      50,
    ),
  );
  const [del, deleteMs] = await timed(() => stack.call('DELETE', `/api/v1/sweeps/${first}`));
  const [del2, deleteActiveMs] = await timed(() =>
    stack.call('DELETE', `/api/v1/sweeps/${second}`),
  );
  if (del.status !== 200 || del2.status !== 200)
    throw new Error(`delete: ${del.text} ${del2.text}`);
  return {
    name: 'cancel-delete-10k-sweep',
    round: i,
    cancelled_queued: cancel.json.cancelledQueued,
    cancel_answer_ms: cancelMs,
    jobs_left_at_answer: jobsLeftAtAnswer,
    jobs_gone_ms_after_answer: drainedMs,
    delete_cancelled_ms: deleteMs,
    delete_active_10k_ms: deleteActiveMs,
    jobs_left_after_deletes: await redis.llen(wait),
  };
}

/** A one-trial sweep whose trial has 10,000 epochs of 26 metrics (4 decimals), as a long run leaves them. */
async function trialView(stack: Stack) {
  const created = await stack.call('POST', '/api/v1/sweeps', {
    ...sweepSpec('long-curve', 1, 1, 1, 1, { kind: 'noop' }),
    space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
  });
  const id = created.json.id as string;
  const trialId = (await stack.db.trial.findFirstOrThrow({ where: { sweepId: id } })).id;
  await stack.db.$executeRaw`
    INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
    SELECT ${trialId}, 1, e, 'bbox_mAP_' || m, round(random()::numeric, 4)
    FROM generate_series(1, 10000) e, generate_series(1, 26) m`;
  await stack.db.$executeRaw`
    INSERT INTO trial_progress (trial_id, sweep_id, metrics_lease, epochs_run)
    VALUES (${trialId}, ${id}, 1, 10000)`;
  const out = [];
  for (const [page, query] of [
    ['first', ''],
    ['epochs 9001-10000', '?epochs_from=9001'],
  ]) {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      const [r, ms] = await timed(() =>
        stack.call('GET', `/api/v1/sweeps/${id}/trials/${trialId}${query}`),
      );
      times.push(ms);
      bytes = r.text.length;
    }
    out.push({
      name: 'trial-view-10k-epochs-26-metrics',
      page,
      bytes,
      p50_ms: quantile(times, 0.5),
      max_ms: Math.max(...times),
    });
  }
  return out;
}

const stack = new Stack();
const redis = new Redis(stack.redisUrl);
try {
  await stack.start({
    workers: 0,
    apiEnv: { SWEEPS_RATE_LIMIT_PER_MIN: '1000000', SWEEPS_RECONCILE_MS: '600000' },
  });
  const rounds = Number(process.argv[2] ?? 3);
  for (let i = 0; i < rounds; i++) console.log(JSON.stringify(await round(stack, redis, i)));
  for (const r of await trialView(stack)) console.log(JSON.stringify(r));
} finally {
  redis.disconnect();
  await stack.stop();
}
