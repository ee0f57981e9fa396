/** GET /api/v1/workers over the real PostgreSQL: each worker's liveness (alive, lost, stopped). */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, registerWorker, stopWorker } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('workers');
const { deps } = services; // lost limit: 30 s
const { db } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
let key = '';

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 1000 });
  key = (await createApiKey(db, 'read', 'workers-view-test')).key;
});
afterAll(async () => {
  await app.close();
  await services.close();
});

describe('the workers view', () => {
  it('says alive, lost (no heartbeat past the lost limit) or stopped, and the deprecated status', async () => {
    const prefix = `wv-${randomBytes(3).toString('hex')}`;
    for (const name of ['alive', 'lost', 'stopped'])
      await registerWorker(db, {
        id: `${prefix}-${name}`,
        host: 'test',
        slots: 1,
        devices: [],
        pid: 1,
      });
    // 60 s without a heartbeat: past the 30 s lost limit, still listed (for 4 times the limit)
    await db.worker.update({
      where: { id: `${prefix}-lost` },
      data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    await stopWorker(db, `${prefix}-stopped`);
    const r = await app.inject({
      method: 'GET',
      url: '/api/v1/workers',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(r.statusCode).toBe(200);
    const ours = (r.json().workers as Array<{ id: string; liveness: string; status: string }>)
      .filter((w) => w.id.startsWith(prefix))
      .map((w) => [w.id.slice(prefix.length + 1), w.liveness, w.status])
      .sort();
    // `status` is the deprecated first name of `liveness`, with `silent` for `lost`
    expect(ours).toEqual([
      ['alive', 'alive', 'alive'],
      ['lost', 'lost', 'silent'],
      ['stopped', 'stopped', 'stopped'],
    ]);
  });
});
