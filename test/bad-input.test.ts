/**
 * Bad input, through a real API process: each request gets a 4xx whose body names every bad path (and value),
 * never a 5xx, and nothing is written. Every test stands alone (its own sweep, counts compared with its own
 * start), so the suite passes in any order: `vitest run --sequence.shuffle.tests test/bad-input.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { studySweep } from './fixtures/study-mnist.ts';

const stack = new Stack();
beforeAll(async () => {
  await stack.start({ workers: 0, apiEnv: { SWEEPS_MAX_TRIALS: '100' } });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: the cases turn a valid sweep into deliberately invalid shapes
type Mutation = (s: any) => void;
const spec = (m: Mutation) => {
  const s = studySweep();
  m(s);
  return s;
};

/** Sweeps and trials stored now. */
async function stored(): Promise<{ sweeps: number; trials: number }> {
  return { sweeps: await stack.db.sweep.count(), trials: await stack.db.trial.count() };
}

/** Creates a valid sweep (24 trials) of this test's own and returns its id. */
async function createSweep(name: string): Promise<string> {
  const r = await stack.call('POST', '/api/v1/sweeps', studySweep({ name }));
  expect(r.status, r.text).toBe(201);
  return r.json.id;
}

const cases: Array<{
  what: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  paths?: string[];
  values?: unknown[];
}> = [
  { what: 'malformed JSON', raw: '{"name": "x",', status: 400, code: 'MALFORMED_JSON' },
  {
    what: 'a JSON array instead of an object',
    raw: '[1,2]',
    status: 400,
    code: 'INVALID_REQUEST',
    paths: ['body'],
  },
  {
    what: 'an unknown top-level field',
    body: spec((s) => {
      s.learning_rate = 0.1;
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['(root)'],
  },
  {
    what: 'an unknown field in a checkpoint',
    body: spec((s) => {
      s.checkpoints[0].url = 'x';
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['checkpoints[0]'],
  },
  {
    what: 'wrong types',
    body: spec((s) => {
      s.seeds = 'zero';
      s.space.optimizer.SGD.lr = ['0.01'];
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['seeds', 'space.optimizer.SGD.lr[0]'],
    values: ['zero', '0.01'],
  },
  {
    what: 'an empty list',
    body: spec((s) => {
      s.space.optimizer.AdamW.lr = [];
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['space.optimizer.AdamW.lr'],
  },
  {
    what: 'a negative learning rate',
    body: spec((s) => {
      s.space.optimizer.SGD.lr = [0.01, -0.02];
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['space.optimizer.SGD.lr[1]'],
    values: [-0.02],
  },
  {
    what: 'negative weight decay',
    body: spec((s) => {
      s.space.optimizer.AdamW.weight_decay = [-1];
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['space.optimizer.AdamW.weight_decay[0]'],
    values: [-1],
  },
  {
    what: 'an unknown optimizer',
    body: spec((s) => {
      s.space.optimizer.Lion = { lr: [1e-4], weight_decay: [0] };
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['space.optimizer'],
  },
  {
    what: 'duplicate checkpoint names',
    body: spec((s) => {
      s.checkpoints[1].name = 'r50-base';
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: ['checkpoints[1].name'],
    values: ['r50-base'],
  },
  {
    what: 'a placeholder with no value',
    body: spec((s) => {
      s.trainer.command.push('--momentum', '{momentum}');
    }),
    status: 400,
    code: 'INVALID_SPEC',
    paths: [`trainer.command[${studySweep().trainer.command.length + 1}]`],
    values: ['{momentum}'],
  },
  {
    what: 'more trials than the limit',
    body: spec((s) => {
      s.seeds = [0, 1, 2, 3, 4];
    }),
    status: 400,
    code: 'TOO_MANY_TRIALS',
    paths: ['space'],
    values: [120],
  },
  {
    what: 'a body over 1 MiB',
    body: spec((s) => {
      s.description = 'x'.repeat(1_100_000);
    }),
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    what: 'a body that is not JSON',
    raw: 'name: x',
    headers: { 'content-type': 'text/yaml' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
];

describe('bad sweep files are refused with the paths at fault', () => {
  for (const c of cases) {
    it(c.what, async () => {
      const before = await stored();
      const r = await stack.call('POST', '/api/v1/sweeps', c.body, {
        ...(c.raw !== undefined ? { rawBody: c.raw } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      expect(r.status, r.text).toBe(c.status);
      expect(r.json.error.code).toBe(c.code);
      expect(r.json.error.message.length).toBeGreaterThan(10);
      const issues = r.json.error.issues as Array<{ path: string; value?: unknown }>;
      for (const [i, p] of (c.paths ?? []).entries()) {
        const issue = issues.find((x) => x.path === p);
        expect(issue, `${p} in ${JSON.stringify(issues)}`).toBeDefined();
        if (c.values?.[i] !== undefined) expect(issue!.value).toEqual(c.values[i]);
      }
      expect(await stored()).toEqual(before);
    });
  }
});

describe('authentication, scopes and other requests', () => {
  it('401 without a key or with an unknown one, 403 with a read key on a write route', async () => {
    expect((await stack.call('GET', '/api/v1/sweeps', undefined, { key: null })).status).toBe(401);
    expect((await stack.call('GET', '/api/v1/sweeps', undefined, { key: 'swk_nope' })).status).toBe(
      401,
    );
    const r = await stack.call('POST', '/api/v1/sweeps', studySweep(), { key: stack.readKey });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('FORBIDDEN');
    expect(
      (await stack.call('POST', '/api/v1/sweeps/preview', studySweep(), { key: stack.readKey }))
        .status,
    ).toBe(200);
  });

  it('unknown sweeps and malformed ids are 404 and 400, not 500', async () => {
    const missing = await stack.call('GET', '/api/v1/sweeps/sw_0000000000000000/best');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('SWEEP_NOT_FOUND');
    const bad = await stack.call('GET', '/api/v1/sweeps/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0]).toMatchObject({ path: 'params.id', value: 'not-an-id' });
    const q = await stack.call('GET', '/api/v1/sweeps?limit=-3&colour=red');
    expect(q.status).toBe(400);
    expect(q.json.error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['querystring.limit']),
    );
    expect((await stack.call('GET', '/api/v1/nothing-here')).status).toBe(404);
  });

  it('Idempotency-Key returns the same sweep, and refuses a different body under the same key', async () => {
    const headers = { 'idempotency-key': `key-${stack.prefix}` };
    const before = await stored();
    const a = await stack.call('POST', '/api/v1/sweeps', studySweep(), { headers });
    const b = await stack.call('POST', '/api/v1/sweeps', studySweep(), { headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.json.id).toBe(a.json.id);
    const c = await stack.call('POST', '/api/v1/sweeps', studySweep({ name: 'other' }), {
      headers,
    });
    expect(c.status).toBe(409);
    expect(c.json.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await stored()).toEqual({ sweeps: before.sweeps + 1, trials: before.trials + 24 });
  });

  it('extend with bad lists names them and changes nothing', async () => {
    const id = await createSweep('extend-bad-lists');
    const before = await stored();
    const r = await stack.call('POST', `/api/v1/sweeps/${id}/extend`, {
      space: { optimizer: { SGD: { lr: [0], weight_decay: [0] } } },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.issues[0].path).toBe('space.optimizer.SGD.lr[0]');
    expect(await stored()).toEqual(before);
  });

  it('health and metrics answer without a key', async () => {
    expect((await stack.call('GET', '/healthz', undefined, { key: null })).json).toMatchObject({
      ok: true,
    });
    await createSweep('metrics-count');
    // No workers run in this suite: every trial stays queued, its job waiting.
    const queued = await stack.db.trial.count({ where: { state: 'queued' } });
    expect(queued).toBeGreaterThanOrEqual(24);
    const m = await stack.call('GET', '/metrics', undefined, { key: null });
    expect(m.text).toContain(`sweeps_trials{state="queued"} ${queued}\n`);
    expect(m.text).toContain(`sweeps_queue_jobs{state="waiting"} ${queued}\n`);
  });
});
