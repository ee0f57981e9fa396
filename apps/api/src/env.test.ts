import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiEnv } from './env.ts';

describe('SWEEPS_WORKER_LOST_MS', () => {
  it('defaults to 30 s and is read under its deprecated first name SWEEPS_WORKER_STALE_MS', () => {
    expect(readApiEnv({}).SWEEPS_WORKER_LOST_MS).toBe(30_000);
    expect(readApiEnv({ SWEEPS_WORKER_LOST_MS: '5000' }).SWEEPS_WORKER_LOST_MS).toBe(5000);
    expect(readApiEnv({ SWEEPS_WORKER_STALE_MS: '7000' }).SWEEPS_WORKER_LOST_MS).toBe(7000);
  });

  it('prefers the new name when both are set, and checks the old one as the new', () => {
    const both = { SWEEPS_WORKER_LOST_MS: '5000', SWEEPS_WORKER_STALE_MS: '7000' };
    expect(readApiEnv(both).SWEEPS_WORKER_LOST_MS).toBe(5000);
    expect(() => readApiEnv({ SWEEPS_WORKER_STALE_MS: '10' })).toThrow(/SWEEPS_WORKER_LOST_MS/);
  });
});

describe("the API's secrets", () => {
  it('come from files when given as <NAME>_FILE (a Kubernetes secret mounted as files)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'api-env-'));
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text, { mode: 0o400 });
      return path.join(dir, name);
    };
    const env = readApiEnv({
      DATABASE_URL_FILE: file('db', 'postgresql://u:pw@db:5432/sweeps\n'),
      REDIS_URL_FILE: file('redis', 'redis://:pw@redis:6379/1'),
      SWEEPS_SESSION_SECRET_FILE: file('session', `${'s'.repeat(40)}\n`),
    });
    expect(env.DATABASE_URL).toBe('postgresql://u:pw@db:5432/sweeps');
    expect(env.REDIS_URL).toBe('redis://:pw@redis:6379/1');
    expect(env.SWEEPS_SESSION_SECRET).toBe('s'.repeat(40));
    expect(() =>
      readApiEnv({
        SWEEPS_SESSION_SECRET: 'x'.repeat(40),
        SWEEPS_SESSION_SECRET_FILE: file('s2', 'y'),
      }),
    ).toThrow('set SWEEPS_SESSION_SECRET or SWEEPS_SESSION_SECRET_FILE, not both');
  });
});
