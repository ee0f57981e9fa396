/**
 * A trial process started for another user (what a worker running as root does): the supervisor and the command
 * run as that user with no supplementary groups, so they cannot read the starting process's environment.
 */
import { realpathSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDetached } from './process-runner.ts';

const root = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

describe.skipIf(!root)('a trial process run as an unprivileged user', () => {
  it('runs as that user and cannot read the worker environment', async () => {
    const cwd = realpathSync(await mkdtemp(path.join(tmpdir(), 'run-as-')));
    const lines: string[] = [];
    const script = [
      "const fs = require('node:fs');",
      'console.log(`ids ${process.getuid()} ${process.getgid()} ${process.getgroups().join(",")}`);',
      // The worker is the supervisor's parent: field 4 of the supervisor's /proc/<pid>/stat.
      "const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'utf8');",
      "const worker = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];",
      'console.log(`worker ${worker}`);',
      "try { console.log('read ' + fs.readFileSync(`/proc/${worker}/environ`, 'utf8')); }",
      "catch (e) { console.log('refused ' + e.code); }",
    ].join('\n');
    const exit = await runDetached({
      argv: [process.execPath, '-e', script],
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
    expect(lines).toContain('refused EACCES');
  });
});
