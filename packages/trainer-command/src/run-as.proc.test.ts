/**
 * A trial process started for another user (what a worker running as root does): the supervisor and the command
 * run as that user with no supplementary groups, so they cannot read the starting process's environment.
 */
import { realpathSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDetached } from './process-runner.ts';

const root = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };
/** Tries to read the environment of its supervisor's parent (here, this test's process). */
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/read-secrets.mjs', import.meta.url));

describe.skipIf(!root)('a trial process run as an unprivileged user', () => {
  it('runs as that user and cannot read the worker environment', async () => {
    const cwd = realpathSync(await mkdtemp(path.join(tmpdir(), 'run-as-')));
    const lines: string[] = [];
    const exit = await runDetached({
      argv: [process.execPath, FIXTURE],
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      runAs: NOBODY,
      signal: new AbortController().signal,
      onStdout: (l) => lines.push(l),
      onStderr: (l) => lines.push(l),
    });
    expect(exit.code, lines.join('\n')).toBe(0);
    expect(lines).toContain('ids 65534 65534 65534');
    expect(lines).toContain(`worker ${process.pid}`);
    expect(lines).toContain(`refused /proc/${process.pid}/environ: EACCES`);
  });
});
