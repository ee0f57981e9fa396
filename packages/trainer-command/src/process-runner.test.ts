/** The trial process runner on real processes: group kills, leftovers, a dead or frozen worker, long lines. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from './metrics/lines.ts';
import { runDetached } from './process-runner.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Running and not a zombie (a killed orphan may linger as Z where nobody reaps it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number) {
  const until = Date.now() + ms;
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

describe('runDetached', () => {
  it('a timeout ends at the limit even when the command left a descendant holding stdout', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const started = Date.now();
    setTimeout(() => ac.abort(new Error('timed out')), 1500);
    const exit = await runDetached({
      argv: ['sh', '-c', `sleep 40 & echo $! > ${dir}/sleep.pid; echo started; sleep 40`],
      cwd: dir,
      env,
      signal: ac.signal,
      killGraceMs: 500,
      onStdout: (l) => lines.push(l),
      onStderr: () => {},
    });
    const took = Date.now() - started;
    expect(lines).toEqual(['started']);
    expect(exit.signal).toBe('SIGTERM');
    expect(took).toBeLessThan(3000);
    expect(await waitGone(Number(readFileSync(`${dir}/sleep.pid`, 'utf8')), 1000)).toBe(true);
  });

  it('when the command exits, what it left behind in its group is stopped at once', async () => {
    const started = Date.now();
    const exit = await runDetached({
      argv: ['sh', '-c', `sleep 40 & echo $! > ${dir}/left.pid; echo done`],
      cwd: dir,
      env,
      signal: new AbortController().signal,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await waitGone(Number(readFileSync(`${dir}/left.pid`, 'utf8')), 1000)).toBe(true);
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
      const pidFile = path.join(dir, `cmd-${how}.pid`);
      writeFileSync(
        host,
        `import { runDetached } from ${JSON.stringify(path.resolve('packages/trainer-command/src/process-runner.ts'))};
         await runDetached({ argv: ['sh', '-c', 'echo $$ > ${pidFile}; exec sleep 60'], cwd: ${JSON.stringify(dir)},
           env: { PATH: process.env.PATH }, signal: new AbortController().signal, watchdogMs: 1000,
           onStdout: () => {}, onStderr: () => {} });`,
      );
      const worker = spawn(process.execPath, ['--import', 'tsx', host], { stdio: 'ignore' });
      let pid = 0;
      for (let i = 0; i < 200 && !pid; i++) {
        await new Promise((r) => setTimeout(r, 50));
        try {
          pid = Number(readFileSync(pidFile, 'utf8'));
        } catch {
          /* not yet */
        }
      }
      expect(isAlive(pid)).toBe(true);
      worker.kill(how);
      expect(await waitGone(pid, 8000)).toBe(true);
      worker.kill('SIGKILL');
    }, 30_000);
  }
});
