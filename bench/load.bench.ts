/**
 * Reads under load (issue 9): 50 concurrent readers on the grid, best-setting and trial views of a 5,000-trial sweep
 * while it runs (2 worker processes x 32 slots of the no-op trainer, 3 epochs of 200 ms each per trial), all through
 * a real API process. Reports per-view p50/p99, errors (any status but 200) and how far the sweep got meanwhile,
 * against how far it got in the same number of seconds just before, without readers (issue 27: at least 90 %).
 * Usage: npx tsx bench/load.bench.ts [seconds=20] [readers=50]
 */
import { Stack } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { quantile, sweepSpec } from './support.ts';

const seconds = Number(process.argv[2] ?? 20);
const readers = Number(process.argv[3] ?? 50);
const stack = new Stack();
try {
  await stack.start({
    workers: 0,
    apiEnv: {
      SWEEPS_RATE_LIMIT_PER_MIN: '1000000',
      SWEEPS_RECONCILE_MS: '600000',
      SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY: '0',
    },
  });
  for (let w = 0; w < 2; w++) await stack.startWorker(`load-${w}-${stack.prefix}`, 32);
  // 2 optimizers x 25 x 10 cells x 10 checkpoints x 1 seed = 5,000 trials
  const spec = {
    ...sweepSpec('load', 25, 10, 10, 1, { kind: 'noop', epoch_ms: 200 }),
    fixed: { epochs: 3 },
  };
  const created = await stack.call('POST', '/api/v1/sweeps', spec);
  if (created.json?.totalTrials !== 5000) throw new Error(`expected 5,000 trials: ${created.text}`);
  const id = created.json.id as string;
  const trialIds = (
    await stack.db.trial.findMany({ where: { sweepId: id }, select: { id: true }, take: 500 })
  ).map((t) => t.id);
  await waitFor(
    'the first trials to finish',
    async () => (await stack.db.trial.count({ where: { sweepId: id, state: 'succeeded' } })) > 0,
    120_000,
  );
  const succeeded = () => stack.db.trial.count({ where: { sweepId: id, state: 'succeeded' } });
  const quietStart = await succeeded();
  await new Promise((r) => setTimeout(r, seconds * 1000)); // the trial rate without readers
  const doneAtStart = await succeeded();
  const views = ['grid', 'best', 'trial'] as const;
  const auth = { authorization: `Bearer ${stack.writeKey}` };
  const times: Record<string, number[]> = { grid: [], best: [], trial: [] };
  const errors: Record<string, number> = { grid: 0, best: 0, trial: 0 };
  const statuses: Record<string, number> = {};
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (Date.now() < deadline) {
        const view = views[n++ % views.length]!;
        const path =
          view === 'trial'
            ? `/api/v1/sweeps/${id}/trials/${trialIds[n % trialIds.length]}`
            : `/api/v1/sweeps/${id}/${view}`;
        // timed until the whole body has arrived; not parsed: the 50 readers share this one process, and parsing
        // a 5,000-cell grid (2 MB of JSON) 50 times over would time this process's own queue, not the API
        const t0 = performance.now();
        const r = await fetch(`${stack.baseUrl}${path}`, { headers: auth })
          .then(async (res) => ({ status: res.status, body: await res.arrayBuffer() }))
          .catch(() => ({ status: 0 }));
        times[view]!.push(performance.now() - t0);
        if (r.status !== 200) errors[view]!++;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const doneAtEnd = await stack.db.trial.count({ where: { sweepId: id, state: 'succeeded' } });
  const results = views.map((v) => ({
    name: `load-${v}-5k-trials-${readers}-readers`,
    requests: times[v]!.length,
    errors: errors[v],
    p50_ms: Math.round(quantile(times[v]!, 0.5)),
    p99_ms: Math.round(quantile(times[v]!, 0.99)),
    max_ms: Math.round(Math.max(...times[v]!)),
  }));
  for (const r of results) console.log(JSON.stringify(r));
  console.log(
    JSON.stringify({
      name: 'load-sweep-progress',
      seconds,
      readers,
      trials_succeeded_without_readers: doneAtStart - quietStart,
      trials_succeeded_during_reads: doneAtEnd - doneAtStart,
      rate_with_readers_pct: Math.round(
        (100 * (doneAtEnd - doneAtStart)) / (doneAtStart - quietStart),
      ),
      trials_succeeded_total: doneAtEnd,
      statuses,
    }),
  );
} finally {
  await stack.stop();
}
