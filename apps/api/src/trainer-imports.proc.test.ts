/**
 * The API reads trainers only through the catalogue and the trainer packages' `/spec` entries: loading its modules
 * loads no trainer runtime (TensorFlow.js, the process runner, a trainer's `run`). A fresh Node process imports
 * them under a resolve hook that writes down every module it loads.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const API_MODULES = ['apps/api/src/index.ts', 'apps/api/src/services/parser-check-task.ts'].map(
  (p) => pathToFileURL(path.join(ROOT, p)).href,
);

/** Resolve hook: appends every resolved file URL to the file it is given. */
const HOOK = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) appendFileSync(log, resolved.url + '\\n');
  return resolved;
}`;

/** The modules a fresh process loads when it imports `modules`. */
async function modulesLoadedBy(modules: string[]): Promise<string[]> {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'api-imports-')), 'loaded.txt');
  const script = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), import.meta.url, {
  data: { log: ${JSON.stringify(log)} },
});
for (const m of ${JSON.stringify(modules)}) await import(m);
`;
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT },
  );
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/** Modules of a trainer's runtime: the API must never load them. */
const RUNTIME = [
  /\/node_modules\/@tensorflow\//,
  /\/packages\/trainer-[a-z]+\/src\/index\.ts$/,
  /\/packages\/trainer-command\/src\/(process-runner|run-process|containment|command-trainer)\.ts$/,
  /\/packages\/trainer-tfjs\/src\/trainer\/tfjs-trainer\.ts$/,
  /\/packages\/trainer-mmdet\/src\/mmdet-trainer\.ts$/,
];

describe("the API's modules", () => {
  it('load the trainer catalogue and the spec entries, and no trainer runtime', async () => {
    const loaded = await modulesLoadedBy(API_MODULES);
    // the hook saw the graph: the catalogue and every kind's spec entry are in it
    for (const entry of [
      'packages/trainers/src/index.ts',
      'packages/trainer-command/src/spec-index.ts',
      'packages/trainer-tfjs/src/spec-index.ts',
      'packages/trainer-mmdet/src/spec-index.ts',
    ])
      expect(
        loaded.some((url) => url.endsWith(entry)),
        entry,
      ).toBe(true);
    expect(loaded.filter((url) => RUNTIME.some((r) => r.test(url)))).toEqual([]);
  }, 120_000);
});
