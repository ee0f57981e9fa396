/**
 * The unit project is pure: a test file that starts processes is named `*.proc.test.ts` and runs in the process
 * project (vitest.config.ts). This guard catches the direct way in, a unit test file importing child_process.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testCodeFiles } from './test-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = 'test/guards/pure-unit-tests.test.ts';
const CHILD_PROCESS =
  /^import\b[^;]*\bfrom\s+['"](node:)?child_process['"]|\bimport\(\s*['"](node:)?child_process['"]\s*\)/m;

/** Whether a test file's text imports child_process. */
const importsChildProcess = (text: string) => CHILD_PROCESS.test(text);

/** The files of the unit project: `*.test.ts` beside the code (not int, not proc) and the guards here. */
const isUnitTest = (file: string) =>
  /\.test\.tsx?$/.test(file) &&
  !/\.(int|proc)\.test\.tsx?$/.test(file) &&
  (!file.startsWith('test/') || file.startsWith('test/guards/'));

describe('unit tests', () => {
  it('start no processes: those that do are *.proc.test.ts', () => {
    const units = testCodeFiles(ROOT).filter(isUnitTest);
    const others = units.filter((f) => f !== SELF); // this file spells out what it looks for
    expect(units).toEqual(expect.arrayContaining(['apps/worker/src/env.test.ts', SELF]));
    const spawning = others.filter((f) => importsChildProcess(readFileSync(`${ROOT}${f}`, 'utf8')));
    expect(spawning).toEqual([]);
  });

  it('are told from the others by name, and an import of child_process is found', () => {
    expect(
      [
        'a/src/x.test.ts',
        'a/src/x.int.test.ts',
        'a/src/x.proc.test.ts',
        'test/asha.test.ts',
      ].filter(isUnitTest),
    ).toEqual(['a/src/x.test.ts']);
    expect(importsChildProcess("import { execFileSync } from 'node:child_process';")).toBe(true);
    expect(importsChildProcess("import {\n  spawn,\n} from 'child_process';")).toBe(true);
    expect(importsChildProcess("const cp = await import('node:child_process');")).toBe(true);
    expect(
      importsChildProcess(`check('node', '-e', 'require("child_process").spawnSync("sh")')`),
    ).toBe(false);
  });
});
