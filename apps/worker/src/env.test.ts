import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv, scrubSecrets } from './env.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'worker-env-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text, { mode: 0o400 });
  return p;
};

describe("the worker's secrets", () => {
  it('come from files when given as <NAME>_FILE', () => {
    const env = readWorkerEnv({
      DATABASE_URL_FILE: file('db', 'postgresql://u:pw@db:5432/sweeps\n'),
      REDIS_URL_FILE: file('redis', 'redis://:pw@redis:6379/2'),
    });
    expect(env.DATABASE_URL).toBe('postgresql://u:pw@db:5432/sweeps');
    expect(env.REDIS_URL).toBe('redis://:pw@redis:6379/2');
  });

  it('refuse both forms at once, and a file that cannot be read, without showing its contents', () => {
    expect(() =>
      readWorkerEnv({ DATABASE_URL: 'postgresql://a/b', DATABASE_URL_FILE: file('db2', 'x') }),
    ).toThrow('set DATABASE_URL or DATABASE_URL_FILE, not both');
    expect(() => readWorkerEnv({ REDIS_URL_FILE: path.join(dir, 'missing') })).toThrow(
      `REDIS_URL_FILE: cannot read ${dir}/missing (ENOENT)`,
    );
  });

  // Why files matter (env.proc.test.ts): /proc/<pid>/environ does not follow what a process deletes.
  it('are scrubbed from process.env once read', () => {
    const env: NodeJS.ProcessEnv = { DATABASE_URL: 'x', REDIS_URL_FILE: '/f', PATH: '/bin' };
    scrubSecrets(env);
    expect(env).toEqual({ PATH: '/bin' });
  });
});
