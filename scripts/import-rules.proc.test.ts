/**
 * The import rules of the package READMEs (`.dependency-cruiser.mjs`, run by `npm run lint`): every rule fails on
 * a bad import of a small tree written here, and the repository itself passes them as `npm run lint` runs them.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(repo, 'node_modules/.bin/depcruise');
const config = path.join(repo, '.dependency-cruiser.mjs');

/** One bad import per rule: the rule, the importing file, what it imports. */
const BAD_IMPORT_TABLE = `
imports-resolve                                       packages/core/src/a.ts            ./missing.ts
no-package-imports-an-app                             packages/db/src/a.ts              ../../../apps/api/src/index.ts
apps-do-not-import-each-other                         apps/api/src/a.ts                 ../../worker/src/index.ts
core-imports-no-workspace-package                     packages/core/src/b.ts            ../../db/src/index.ts
core-imports-zod-only                                 packages/core/src/c.ts            node:fs
coco-eval-stands-alone                                packages/coco-eval/src/a.ts       ../../core/src/index.ts
coco-eval-imports-node-only                           packages/coco-eval/src/b.ts       zod
api-client-imports-core-only                          packages/api-client/src/a.ts      ../../db/src/index.ts
api-client-imports-core-browser-entries-and-zod       packages/api-client/src/b.ts      ../../core/src/index.ts
db-imports-core-only                                  packages/db/src/b.ts              ../../trainer-command/src/index.ts
db-never-redis                                        packages/db/src/c.ts              ioredis
queue-imports-core-only                               packages/queue/src/a.ts           ../../coco-eval/src/index.ts
queue-never-postgres                                  packages/queue/src/b.ts           pg
orchestrate-imports-core-db-queue                     packages/orchestrate/src/a.ts     ../../trainer-command/src/index.ts
only-orchestrate-joins-the-stores                     packages/trainer-command/src/a.ts ../../queue/src/index.ts
only-apps-import-orchestrate                          packages/db/src/d.ts              ../../orchestrate/src/index.ts
trainer-command-imports-core-only                     packages/trainer-command/src/b.ts ../../coco-eval/src/index.ts
trainer-mmdet-imports-core-and-trainer-command        packages/trainer-mmdet/src/a.ts   ../../coco-eval/src/index.ts
trainer-tfjs-imports-core-coco-eval-trainer-command   packages/trainer-tfjs/src/a.ts    ../../trainer-mmdet/src/index.ts
trainer-catalogue-imports-core-and-trainers           packages/trainers/src/a.ts        ../../api-client/src/index.ts
trainer-catalogue-reads-spec-entries-only             packages/trainers/src/b.ts        ../../trainer-tfjs/src/index.ts
trainers-never-touch-the-stores                       packages/trainer-mmdet/src/b.ts   bullmq
only-trainer-tfjs-imports-tensorflow                  packages/trainer-mmdet/src/c.ts   @tensorflow/tfjs
api-imports-its-packages                              apps/api/src/b.ts                 ../../../packages/coco-eval/src/index.ts
api-imports-trainers-only-through-their-spec-entry    apps/api/src/c.ts                 ../../../packages/trainer-tfjs/src/index.ts
cli-imports-its-packages                              apps/cli/src/a.ts                 ../../../packages/queue/src/index.ts
cli-imports-trainer-mmdet-only-through-its-spec-entry apps/cli/src/c.ts                 ../../../packages/trainer-mmdet/src/index.ts
cli-imports-db-only-for-keys                          apps/cli/src/b.ts                 ../../../packages/db/src/index.ts
worker-imports-its-packages                           apps/worker/src/a.ts              ../../../packages/api-client/src/index.ts
dashboard-imports-api-client-only                     apps/dashboard/src/a.ts           ../../../packages/core/src/index.ts
apps-run-no-sql                                       apps/worker/src/b.ts              pg
`;
const BAD_IMPORTS: Record<string, [file: string, specifier: string]> = Object.fromEntries(
  BAD_IMPORT_TABLE.trim()
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .map(([rule, file, specifier]) => [rule!, [file!, specifier!]]),
);

/** The packages the bad imports name, as small npm packages of the tree. */
const NPM_PACKAGES = ['zod', 'ioredis', 'pg', 'bullmq', '@tensorflow/tfjs'];

interface Cruise {
  summary: {
    violations: Array<{ from: string; to: string; rule: { name: string } }>;
    ruleSetUsed: { forbidden: Array<{ name: string }> };
  };
}

/** Writes a tree with every bad import above (each imported workspace file exists and exports one name). */
async function writeBadTree(dir: string): Promise<void> {
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  };
  for (const [file, specifier] of Object.values(BAD_IMPORTS)) {
    await write(file, `import { x } from '${specifier}';\nexport const y = x;\n`);
    if (!specifier.startsWith('.') || specifier === './missing.ts') continue;
    await write(path.join(path.dirname(file), specifier), 'export const x = 1;\n');
  }
  for (const name of NPM_PACKAGES) {
    await write(`node_modules/${name}/package.json`, JSON.stringify({ name, main: 'index.js' }));
    await write(`node_modules/${name}/index.js`, 'exports.x = 1;\n');
  }
}

/** Runs `command` in `cwd`; its exit code and output (a failing exit is not thrown). */
async function exitOf(command: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(command[0]!, command.slice(1), { cwd, maxBuffer: 64 << 20 });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '' };
  }
}

/** The command `npm run lint:imports` runs, the configuration named by its path (to run it in another folder). */
async function lintImportsCommand(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8'));
  const words = (pkg.scripts['lint:imports'] as string).split(/\s+/);
  expect(words[0]).toBe('depcruise');
  return [depcruise, ...words.slice(1)].map((w) => (w === '.dependency-cruiser.mjs' ? config : w));
}

/** Every violation of the lint's rules over `packages` and `apps` of `cwd`. */
async function violationsIn(cwd: string): Promise<Cruise['summary']> {
  const args = ['--config', config, '--output-type', 'json', 'packages', 'apps'];
  const { stdout } = await exitOf([depcruise, ...args], cwd);
  return (JSON.parse(stdout) as Cruise).summary;
}

describe('import rules (npm run lint)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'import-rules-'));
    await writeBadTree(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fail on a bad import, each rule naming the file that breaks it', async () => {
    const lint = await exitOf(await lintImportsCommand(), dir);
    expect(lint.code).not.toBe(0);
    const summary = await violationsIn(dir);
    // every rule of the configuration has its bad import above: a new rule needs one
    const rules = summary.ruleSetUsed.forbidden.map((r) => r.name);
    expect(new Set(rules)).toEqual(new Set(Object.keys(BAD_IMPORTS)));
    for (const [rule, [file]] of Object.entries(BAD_IMPORTS)) {
      const broken = summary.violations.filter((v) => v.rule.name === rule).map((v) => v.from);
      expect(broken, rule).toContain(file);
      expect(lint.stdout).toContain(`${rule}: ${file}`);
    }
  }, 120_000);

  it('pass on the repository as npm run lint checks it', async () => {
    const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts.lint).toContain('npm run lint:imports');
    const { stdout } = await run('npm', ['run', '--silent', 'lint:imports'], { cwd: repo });
    expect(stdout).toMatch(/no dependency violations found/);
  }, 120_000);
});
