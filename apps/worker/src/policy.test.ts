import { describe, expect, it } from 'vitest';
import { childEnvironment, readPolicy } from './policy.ts';

const settings = {
  allowCommands: 'node, python3',
  allowEnv: '',
  cwdRoots: '',
  passEnv: '',
  workDir: '/srv/w',
};

describe('worker policy settings', () => {
  it('defaults to no commands, no sweep variables, and the work directory', () => {
    const { policy } = readPolicy({ ...settings, allowCommands: '' });
    expect(policy).toEqual({ commands: [], env: [], cwdRoots: ['/srv/w'], workDir: '/srv/w' });
    expect(readPolicy(settings).policy.commands).toEqual(['node', 'python3']);
  });

  it('refuses settings that could never be honoured', () => {
    expect(() => readPolicy({ ...settings, allowEnv: 'LD_PRELOAD' })).toThrow(/may never be set/);
    expect(() => readPolicy({ ...settings, passEnv: 'DATABASE_URL' })).toThrow(
      /worker's own settings/,
    );
  });

  it("gives trial processes an explicit environment without the worker's secrets", () => {
    const { passEnv } = readPolicy({ ...settings, passEnv: 'HF_HOME' });
    const env = childEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/root',
        LC_ALL: 'C',
        HF_HOME: '/cache',
        DATABASE_URL: 'postgresql://secret',
        REDIS_URL: 'redis://secret',
        AWS_SECRET_ACCESS_KEY: 'x',
        SWEEPS_QUEUE_PREFIX: 'p',
        NODE_OPTIONS: '--require evil',
      },
      passEnv,
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/root', LC_ALL: 'C', HF_HOME: '/cache' });
  });
});
