/**
 * Every process a trial starts ends with the trial, whatever it does to its session or process group: a command
 * whose descendants escape with `setsid` and with `spawn(..., {detached: true})` + `unref()`, run through the real
 * process runner under each containment this machine allows, ended by its own exit, by a cancel, and by the death
 * of its worker. A containment this machine does not allow is skipped with the reason in its name.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { isAlive } from './testing/processes.ts';
import { fileURLToPath } from 'node:url';
import {
  CONTAINMENT_KINDS,
  type ContainmentKind,
  createTrialCgroup,
  describeContainment,
  detectContainment,
  probeContainment,
  removeLeftoverTrialCgroups,
  removeTrialCgroup,
} from './containment.ts';
import { runDetached } from './process-runner.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'containment-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const RUNNER = path.resolve('packages/trainer-command/src/process-runner.ts');

/**
 * A trainer that starts two escaping descendants in the folder `out`, each writing its own pid: `setsid sleep` (a
 * new session, via a shell) and a node process spawned detached and unref'd; both drop the trainer's stdout. Then
 * it trains on (`stay`), or exits once the test has seen them (`exit`: when the file `go` appears).
 */
const ESCAPER = path.join(dir, 'escaper.mjs');
writeFileSync(
  ESCAPER,
  `import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
const [out, mode] = process.argv.slice(2);
spawn('sh', ['-c', \`setsid sh -c 'echo $$ > setsid.pid; exec sleep 1000' </dev/null >/dev/null 2>&1 &\`],
  { stdio: 'ignore', cwd: out });
const d = spawn(process.execPath, ['-e',
  \`require('fs').writeFileSync(\${JSON.stringify(out + '/detached.pid')}, String(process.pid)); setInterval(() => {}, 1000)\`],
  { detached: true, stdio: 'ignore', cwd: out });
d.unref();
const tick = () => new Promise((r) => setTimeout(r, 10)); // sleep-ok: the stand-in trainer's own poll interval
while (!existsSync(out + '/setsid.pid') || !existsSync(out + '/detached.pid')) await tick();
console.log('escaped');
if (mode === 'stay') setInterval(() => {}, 1000);
else while (!existsSync(out + '/go')) await tick();`,
);

/** Live processes whose working folder is `out`, in this test's view of pids. */
function processesIn(out: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) === out && isAlive(Number(name)))
        found.push(Number(name));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

/** [pid, command line] of every live process. */
function liveCommandLines(): Array<[number, string]> {
  const found: Array<[number, string]> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || !isAlive(Number(name))) continue;
    try {
      found.push([
        Number(name),
        readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '),
      ]);
    } catch {
      /* gone */
    }
  }
  return found;
}

/**
 * The two escapers, once both have written their pids (read from /proc by their folder: in a PID namespace the
 * pids they write are the namespace's own).
 */
const escapedPids = (out: string) =>
  waitFor(
    'the escaping descendants',
    async () => {
      if (!existsSync(`${out}/setsid.pid`) || !existsSync(`${out}/detached.pid`)) return undefined;
      const pids = processesIn(out);
      return pids.length === 2 ? pids : undefined;
    },
    10_000,
    25,
  );

async function expectAllGone(pids: number[]) {
  for (const pid of pids) expect(pid).toBeGreaterThan(0);
  const left = await waitFor(
    'the descendants to be gone',
    async () => {
      const alive = pids.filter(isAlive);
      return alive.length === 0 ? alive : undefined;
    },
    10_000,
    25,
  ).catch(() => pids.filter(isAlive));
  expect(left).toEqual([]);
}

let cases = 0;
function caseDir(): string {
  cases += 1;
  return mkdtempSync(path.join(dir, `case${cases}-`));
}

const describeOf: Record<ContainmentKind, RegExp> = {
  cgroup: /^cgroup v2 /,
  pidns: /^PID namespace/,
  scan: /^process scan/,
};
const available = new Map(
  await Promise.all(CONTAINMENT_KINDS.map(async (k) => [k, await probeContainment(k)] as const)),
);
const why: Record<ContainmentKind, string> = {
  cgroup: 'no writable cgroup v2 hierarchy (needs root or a delegated cgroup)',
  pidns: 'unshare cannot make a PID namespace (needs root or unprivileged user namespaces)',
  scan: '',
};

describe('trial containment', () => {
  it('names what it chose for the worker log', async () => {
    const chosen = await detectContainment();
    expect(chosen.kind).toBe(CONTAINMENT_KINDS.find((k) => available.get(k)));
    console.log(`trial processes are contained by: ${describeContainment(chosen)}`);
  });
});

for (const kind of CONTAINMENT_KINDS) {
  const name = available.get(kind)
    ? `containment ${kind}`
    : `containment ${kind} (skipped: ${why[kind]})`;
  describe.skipIf(!available.get(kind))(name, () => {
    const run = (out: string, mode: 'exit' | 'stay', signal: AbortSignal) =>
      runDetached({
        argv: [process.execPath, ESCAPER, out, mode],
        cwd: dir,
        env,
        signal,
        containment: kind,
        killGraceMs: 500,
        onStdout: () => {},
        onStderr: () => {},
      });

    it('ends setsid and detached grandchildren when the command exits by itself', async () => {
      const out = caseDir();
      const done = run(out, 'exit', new AbortController().signal);
      const pids = await escapedPids(out);
      writeFileSync(`${out}/go`, '');
      const exit = await done;
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.containedBy).toMatch(describeOf[kind]);
      await expectAllGone(pids);
    });

    it('ends them when the trial is cancelled', async () => {
      const out = caseDir();
      const ac = new AbortController();
      const done = run(out, 'stay', ac.signal);
      const pids = await escapedPids(out);
      ac.abort(new Error('cancelled'));
      const exit = await done;
      expect(exit.signal).toBe('SIGTERM');
      await expectAllGone(pids);
    });

    // Only the supervisor knows what a scan found: killed, it takes that knowledge with it.
    it.skipIf(kind === 'scan')(
      `ends them when their supervisor is killed${kind === 'scan' ? ' (skipped: a scan has no kernel record to fall back on)' : ''}`,
      async () => {
        const out = caseDir();
        const done = run(out, 'stay', new AbortController().signal);
        const pids = await escapedPids(out);
        const supervisor = liveCommandLines().find(
          ([, cmd]) =>
            cmd.includes('supervisor.mjs') && cmd.includes(out) && !cmd.includes('unshare'),
        );
        expect(supervisor).toBeDefined();
        process.kill(supervisor![0], 'SIGKILL');
        await done;
        await expectAllGone(pids);
      },
    );

    it('passes the environment, output, exit code and signal through', async () => {
      const lines: string[] = [];
      const exit = await runDetached({
        argv: [
          process.execPath,
          '-e',
          'console.log(process.env.CUDA_VISIBLE_DEVICES); console.error("to stderr"); process.exit(7)',
        ],
        cwd: dir,
        env: { ...env, CUDA_VISIBLE_DEVICES: '1' },
        signal: new AbortController().signal,
        containment: kind,
        onStdout: (l) => lines.push(l),
        onStderr: (l) => lines.push(`stderr: ${l}`),
      });
      expect(exit).toMatchObject({ code: 7, signal: null });
      expect(lines).toEqual(['1', 'stderr: to stderr']);
      const killed = await runDetached({
        argv: [process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")'],
        cwd: dir,
        env,
        signal: new AbortController().signal,
        containment: kind,
        onStdout: () => {},
        onStderr: () => {},
      });
      expect(killed).toMatchObject({ code: null, signal: 'SIGKILL' });
    });

    it('ends them when the worker dies (SIGKILL)', async () => {
      const out = caseDir();
      const host = path.join(out, 'host.mts');
      writeFileSync(
        host,
        `import { runDetached } from ${JSON.stringify(RUNNER)};
         await runDetached({ argv: [process.execPath, ${JSON.stringify(ESCAPER)}, ${JSON.stringify(out)}, 'stay'],
           cwd: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH }, signal: new AbortController().signal,
           containment: ${JSON.stringify(kind)}, killGraceMs: 500, watchdogMs: 1000,
           onStdout: () => {}, onStderr: () => {} });`,
      );
      const worker = spawn(process.execPath, ['--import', 'tsx', host], { stdio: 'ignore' });
      const pids = await escapedPids(out);
      expect(pids.every(isAlive)).toBe(true);
      worker.kill('SIGKILL');
      await expectAllGone(pids);
      const c = available.get(kind);
      if (c?.kind === 'cgroup') {
        // The dead worker's trial cgroup is left empty once its supervisor is gone: the next worker start removes it.
        const mine = () => readdirSync(c.base).filter((n) => n.startsWith(`trial-${worker.pid}-`));
        await waitFor(
          "the dead worker's trial cgroup to be removed",
          async () => {
            await removeLeftoverTrialCgroups(c.base);
            return mine().length === 0;
          },
          10_000,
          25,
        );
      }
    }, 30_000);
  });
}

/**
 * A supervisor that runs as another user (a worker that drops privileges for its trials) in a trial cgroup
 * delegated to that user: it steps into `cmd` and back, and ends the escapers, with no right above its cgroup.
 */
const cgroupBase = (() => {
  const c = available.get('cgroup');
  return c?.kind === 'cgroup' && process.getuid?.() === 0 ? c.base : undefined;
})();
describe.skipIf(!cgroupBase)(
  `a delegated trial cgroup${cgroupBase ? '' : ' (skipped: needs root and a writable cgroup v2)'}`,
  () => {
    it('lets an unprivileged supervisor contain and end the trial', async () => {
      const out = caseDir();
      chmodSync(dir, 0o755); // the escaper, for the other user
      chmodSync(out, 0o777);
      const cgroup = createTrialCgroup(cgroupBase!, { uid: 65534, gid: 65534 });
      const supervisor = fileURLToPath(new URL('./supervisor.mjs', import.meta.url));
      const sup = spawn(
        process.execPath,
        [
          supervisor,
          '500',
          '60000',
          `cgroup:${cgroup}`,
          '--',
          process.execPath,
          ESCAPER,
          out,
          'exit',
        ],
        {
          cwd: dir,
          env,
          uid: 65534,
          gid: 65534,
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        },
      );
      writeFileSync(path.join(cgroup, 'cgroup.procs'), String(sup.pid));
      let report = '';
      (sup.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
        report += c.toString();
      });
      let stderr = '';
      sup.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      try {
        const pids = await escapedPids(out);
        writeFileSync(`${out}/go`, '');
        await new Promise((r) => sup.once('close', r));
        expect(report, stderr).toContain(`"contained":"cgroup v2 ${cgroup}/cmd"`);
        expect(report).toContain('"exit":{"code":0,"signal":null}');
        await expectAllGone(pids);
      } finally {
        await removeTrialCgroup(cgroup); // kills whatever a failure left there
      }
      expect(existsSync(cgroup)).toBe(false);
    });
  },
);
