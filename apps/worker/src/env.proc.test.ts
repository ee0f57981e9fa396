import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe("the worker's secrets", () => {
  it('are read from files because Linux shows a process its environment as it started', () => {
    // what scrubSecrets (env.ts) cannot undo: a variable deleted from process.env stays in /proc/<pid>/environ
    const shown = execFileSync(
      process.execPath,
      [
        '-e',
        "delete process.env.SECRET; process.stdout.write(String(require('node:fs').readFileSync('/proc/self/environ', 'utf8').includes('SECRET=hunter2')) + ' ' + ('SECRET' in process.env))",
      ],
      { env: { SECRET: 'hunter2' }, encoding: 'utf8' },
    );
    expect(shown).toBe('true false');
  });
});
