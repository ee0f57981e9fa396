import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childEnvironment, policyGate, readPolicy } from './policy.ts';

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
        SWEEPS_API_KEY: 'swk_secret',
        SWEEPS_TFJS_NATIVE: '0',
        NODE_OPTIONS: '--require evil',
      },
      passEnv,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      LC_ALL: 'C',
      HF_HOME: '/cache',
      SWEEPS_TFJS_NATIVE: '0', // the TF.js trainer's setting, not the worker's
    });
  });

  it('resolves links of globbed executables, and allows an executable named exactly as named', () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'gate-')));
    mkdirSync(path.join(dir, 'tools'));
    mkdirSync(path.join(dir, 'venv/bin'), { recursive: true });
    writeFileSync(path.join(dir, 'python3.11'), '');
    symlinkSync(path.join(dir, 'python3.11'), path.join(dir, 'venv/bin/python'));
    symlinkSync('/bin/sh', path.join(dir, 'tools/train.sh'));
    const { policy } = readPolicy({
      ...settings,
      allowCommands: `${dir}/tools/*.sh,${dir}/venv/bin/python`,
      workDir: dir,
    });
    const gate = policyGate(policy);
    const check = (executable: string) =>
      gate.check({ executable, argv: [executable], cwd: dir, env: {} });
    expect(check('venv/bin/python')).toBeNull();
    expect(check(`${dir}/venv/bin/python`)).toBeNull();
    expect(check('tools/train.sh')).toMatch(/the executable "\/.*sh" is not allowed/);
    expect(check(`${dir}/python3.11`)).toMatch(/is not allowed/);
  });

  it('checks the leading arguments of a template, for an executable named by path too', () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'gate-')));
    const { policy } = readPolicy({
      ...settings,
      allowCommands: `node script.js,${dir}/venv/bin/python tools/train.py`,
      workDir: dir,
    });
    const gate = policyGate(policy);
    const check = (...argv: string[]) =>
      gate.check({ executable: argv[0]!, argv, cwd: dir, env: {} });
    expect(check('node', 'script.js', '--lr', '0.1')).toBeNull();
    expect(check('node', '-e', 'require("child_process").spawnSync("sh")')).toMatch(
      /node may only be started as "node script.js ..."/,
    );
    expect(check('venv/bin/python', 'tools/train.py', 'c.py')).toBeNull();
    expect(check('venv/bin/python', '-c', 'print(1)')).toMatch(/may only be started as/);
  });
});
