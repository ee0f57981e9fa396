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
