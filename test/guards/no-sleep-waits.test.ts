/** No test file sleeps to wait for something (issue 21): see sleep-waits.ts for what counts and how to mark one. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSleeps, findSleepsIn } from './sleep-waits.ts';
import { testCodeFiles } from './test-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The guard's own files, which spell out the patterns it looks for. */
const GUARD = ['test/guards/no-sleep-waits.test.ts', 'test/guards/sleep-waits.ts'];

describe('sleeps in test code', () => {
  it('no test file sleeps to wait for a condition', () => {
    const files = testCodeFiles(ROOT);
    // the walk finds what it must look at (a broken walk would pass by finding nothing)
    expect(files).toEqual(
      expect.arrayContaining([
        'apps/api/src/ownership.int.test.ts',
        'packages/trainer-command/src/command-trainer.proc.test.ts',
        'test/support/stack.ts',
        'test/chaos/chaos.test.ts',
        'packages/trainer-command/src/testing/processes.ts',
        ...GUARD,
      ]),
    );
    const found = findSleepsIn(ROOT, GUARD).map((f) => `${f.file}:${f.line}: ${f.kind}: ${f.text}`);
    expect(found, 'poll with waitFor (test/support/wait-for.ts) or use fake timers').toEqual([]);
  });

  it('finds the usual ways of sleeping, and lets a marked one be', () => {
    const lines = [
      'await new Promise((r) => setTimeout(r, 400)); // the test app trusts a lookup for 300 ms',
      '  while (!done) await new Promise((resolve) => setTimeout(resolve, 25));',
      'await new Promise<void>((resolve) => setTimeout(() => resolve(), 50));',
      'await sleep(200);',
      "import { setTimeout as wait } from 'node:timers/promises';",
      'await page.waitForTimeout(1000);',
      'await sleep(1); // sleep-ok:',
      'await sleep(12_000); // sleep-ok: frozen past its job lock',
      '// sleep-ok: how long the outage lasts',
      'await delay(4_000);',
      "setTimeout(() => ac.abort(new Error('timed out')), 1500);",
      'const timer = setTimeout(flush, flushMs);',
      "argv: ['sh', '-c', 'sleep 40'],",
      'const sleeper = uniqueSleep(40);',
      'vi.advanceTimersByTime(20);',
    ];
    const found = findSleeps('x.test.ts', lines.join('\n')).map((f) => [f.line, f.kind]);
    expect(found).toEqual([
      [1, 'a promise resolved by a timer'],
      [2, 'a promise resolved by a timer'],
      [3, 'a promise resolved by a timer'],
      [4, 'a sleep helper'],
      [5, 'node:timers/promises'],
      [6, "Playwright's waitForTimeout"],
      [7, 'a sleep helper'], // a marker needs its reason
    ]);
  });
});
