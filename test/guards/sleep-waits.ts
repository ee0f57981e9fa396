/**
 * Finds sleeps in test code: a test waits for a condition by polling for it (test/support/wait-for.ts) or runs
 * on vitest's fake timers, never by sleeping for a while and hoping. A sleep that is itself the behaviour under
 * test (how long a fault lasts, a stand-in trainer's own pace) is marked on its line: `sleep-ok: <why>`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testCodeFiles } from './test-files.ts';

/** What a sleep looks like in TypeScript, with the name a finding gives it. */
const SLEEPS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bsetTimeout\(\s*(r|res|resolve|done|wake)\s*[,)]/, 'a promise resolved by a timer'],
  [
    /\bsetTimeout\(\s*\(\)\s*=>\s*(r|res|resolve|done|wake)\(\s*\)/,
    'a promise resolved by a timer',
  ],
  [/\b(sleep|delay)\(/, 'a sleep helper'],
  [/\btimers\/promises\b/, 'node:timers/promises'],
  [/\bAtomics\.wait\(/, 'Atomics.wait'],
  [/\.waitForTimeout\(/, "Playwright's waitForTimeout"],
];

/** The marker of a sleep that is the behaviour under test, with its reason. */
const MARKED = /sleep-ok: *\S/;

export interface SleepFinding {
  file: string;
  line: number;
  kind: string;
  text: string;
}

/** Unmarked sleeps in one file's text (a marker counts on the sleep's line or alone on the line above it). */
export function findSleeps(file: string, text: string): SleepFinding[] {
  const lines = text.split('\n');
  const found: SleepFinding[] = [];
  lines.forEach((line, i) => {
    const hit = SLEEPS.find(([pattern]) => pattern.test(line));
    if (!hit) return;
    const above = lines[i - 1]?.trim() ?? '';
    if (MARKED.test(line) || (above.startsWith('//') && MARKED.test(above))) return;
    found.push({ file, line: i + 1, kind: hit[1], text: line.trim() });
  });
  return found;
}

/** Every unmarked sleep in the test code under `root`, but in the files `except` names. */
export function findSleepsIn(root: string, except: readonly string[] = []): SleepFinding[] {
  return testCodeFiles(root)
    .filter((f) => !except.includes(f))
    .flatMap((f) => findSleeps(f, readFileSync(path.join(root, f), 'utf8')));
}
