import { lstatSync, mkdirSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareTrialDir, resolveTrialUser, trialUserEnv } from './trial-user.ts';

describe('the user trials run as', () => {
  it('is nobody for a root worker unless named, and the worker itself otherwise', () => {
    expect(resolveTrialUser('', 0)).toEqual({
      name: 'nobody',
      uid: 65534,
      gid: 65534,
      home: '/nonexistent',
    });
    expect(resolveTrialUser('65534', 0)).toMatchObject({ name: 'nobody', uid: 65534 });
    expect(resolveTrialUser('off', 0)).toBeNull();
    expect(resolveTrialUser('', 1000)).toBeNull();
    expect(trialUserEnv(resolveTrialUser('', 0)!)).toEqual({
      HOME: '/nonexistent',
      USER: 'nobody',
      LOGNAME: 'nobody',
    });
  });

  it('refuses settings that cannot be honoured', () => {
    expect(() => resolveTrialUser('nobody', 1000)).toThrow(
      'trial user: running trials as "nobody" needs the worker to run as root (it runs as uid 1000)',
    );
    expect(() => resolveTrialUser('root', 0)).toThrow(/is root \(uid or gid 0\)/);
    expect(() => resolveTrialUser('no-such-user-x', 0)).toThrow(/no user "no-such-user-x"/);
  });
});

describe.skipIf(process.getuid?.() !== 0)('a trial directory for another user', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'trial-dir-'));
  const nobody = { uid: 65534, gid: 65534 };

  it("is the worker's, sticky and group-writable, with the worker's own logs directory", async () => {
    const dir = path.join(base, 'trials', 't1');
    await prepareTrialDir(dir, nobody);
    const s = statSync(dir);
    expect([s.uid, s.gid, s.mode & 0o7777]).toEqual([0, 65534, 0o1770]);
    expect(statSync(path.join(dir, 'logs')).uid).toBe(0);
    await prepareTrialDir(dir, nobody); // a later attempt
  });

  it('refuses a logs entry a trial replaced with a link', async () => {
    const dir = path.join(base, 'trials', 't2');
    mkdirSync(dir, { recursive: true });
    symlinkSync('/etc', path.join(dir, 'logs'));
    await expect(prepareTrialDir(dir, nobody)).rejects.toThrow(
      `the log directory ${dir}/logs is not a directory of the worker's user (a link, or made by a trial): remove it`,
    );
    expect(lstatSync(path.join(dir, 'logs')).isSymbolicLink()).toBe(true);
  });
});
