/** The trial process runner on real processes: group kills, leftovers, a dead or frozen worker, long lines. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectContainment } from './containment.ts';
import { MAX_LINE_CHARS } from './metrics/lines.ts';
import { runDetached } from './process-runner.ts';
import { isAlive } from './testing/processes.ts';
import { waitFor } from '../../../test/support/wait-for.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

let serial = 0;
/**
 * A `sleep` of about `seconds` whose command line no other process has, so that it can be found in /proc: the
 * pid a process writes itself is its PID namespace's own where trials run in one.
 */
const uniqueSleep = (seconds: number) => `sleep ${seconds}.${process.pid}${++serial}`;

/** The pid (in this test's view) of the live process whose command line is `cmd`, once there is one. */
function pidOf(cmd: string): Promise<number> {
  return waitFor(
    `a process "${cmd}"`,
    async () => {
      for (const name of readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        try {
          const line = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
          if (line === cmd && isAlive(Number(name))) return Number(name);
        } catch {
          /* gone */
        }
      }
      return undefined;
    },
    10_000,
    25,
  );
}

/** Resolves once `pid` is gone; fails the test if it outlives `ms`. */
const gone = (pid: number, ms = 10_000) =>
  waitFor(`process ${pid} to be gone`, async () => !isAlive(pid), ms, 25);

describe('runDetached', () => {
  // The containment is probed once per process (a process started and killed): not part of any test's time.
  beforeAll(() => detectContainment(), 30_000);

  // A runner that waited for stdout to close would hang on these descendants, which sleep far longer than any
  // test's timeout: returning at all is the behaviour.
  it('a timeout ends the command even when it left a descendant holding stdout', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const sleeper = uniqueSleep(1000);
    const running = runDetached({
      argv: ['sh', '-c', `${sleeper} & echo started; sleep 1000`],
      cwd: dir,
      env,
      signal: ac.signal,
      killGraceMs: 500,
      onStdout: (l) => lines.push(l),
      onStderr: () => {},
    });
    const pid = await pidOf(sleeper);
    ac.abort(new Error('timed out'));
    const exit = await running;
    expect(lines).toEqual(['started']);
    expect(exit.signal).toBe('SIGTERM');
    await gone(pid);
  });

  it('when the command exits, what it left behind in its group is stopped', async () => {
    const sleeper = uniqueSleep(1000);
    // The command exits once the test has seen what it leaves behind (the file `go`).
    const running = runDetached({
      argv: ['sh', '-c', `${sleeper} & while [ ! -e go ]; do sleep 0.01; done; echo done`],
      cwd: dir,
      env,
      signal: new AbortController().signal,
      onStdout: () => {},
      onStderr: () => {},
    });
    const pid = await pidOf(sleeper);
    writeFileSync(path.join(dir, 'go'), '');
    const exit = await running;
    expect(exit).toMatchObject({ code: 0, signal: null });
    await gone(pid);
  });

  it('cuts a 100 MB line at the cap, counts the rest, and reads the lines after it', async () => {
    const script = path.join(dir, 'long.mjs');
    writeFileSync(
      script,
      `const c = 'x'.repeat(1 << 20); for (let i = 0; i < 100; i++) process.stdout.write(c);
       process.stdout.write('\\nafter\\n');`,
    );
    const lines: string[] = [];
    const exit = await runDetached({
      argv: [process.execPath, script],
      cwd: dir,
      env,
      signal: new AbortController().signal,
      onStdout: (l) => lines.push(l),
      onStderr: () => {},
    });
    expect(exit.code).toBe(0);
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS, 5]);
    expect(lines[1]).toBe('after');
    expect(exit.droppedChars).toBe(100 * (1 << 20) - MAX_LINE_CHARS);
  }, 30_000);

  it('says when the executable does not exist', async () => {
    const exit = await runDetached({
      argv: ['no-such-binary-here'],
      cwd: dir,
      env,
      signal: new AbortController().signal,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit.startError?.code).toBe('ENOENT');
  });

  for (const how of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`stops the command when its worker dies or freezes (${how})`, async () => {
      // A stand-in worker: a Node process that runs a command through the runner and prints the command's pid.
      const host = path.join(dir, `host-${how}.mts`);
      const sleeper = uniqueSleep(1000);
      writeFileSync(
        host,
        `import { runDetached } from ${JSON.stringify(path.resolve('packages/trainer-command/src/process-runner.ts'))};
         await runDetached({ argv: ['sh', '-c', 'exec ${sleeper}'], cwd: ${JSON.stringify(dir)},
           env: { PATH: process.env.PATH }, signal: new AbortController().signal, watchdogMs: 1000,
           onStdout: () => {}, onStderr: () => {} });`,
      );
      const worker = spawn(process.execPath, ['--import', 'tsx', host], { stdio: 'ignore' });
      const pid = await pidOf(sleeper);
      expect(isAlive(pid)).toBe(true);
      worker.kill(how);
      await gone(pid);
      worker.kill('SIGKILL');
    }, 30_000);
  }
});
