/**
 * The import rules of the package and app READMEs (packages/<name>/README.md, apps/<name>/README.md, "May
 * import"), checked by dependency-cruiser in `npm run lint` (`npm run lint:imports`). Each rule names the README
 * it encodes; a change of a README's rule changes its rule here. `scripts/import-rules.proc.test.ts` shows each rule
 * failing on a bad import and the tree passing.
 *
 * Paths are as dependency-cruiser resolves them from the repository root: a workspace package is its real folder
 * (`packages/db/src/...`), an npm package a path under `node_modules/`, a Node module a `core` dependency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packageJson = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));

/** The files a package exports under `./<subpath>` for each subpath that `select` accepts, as path patterns. */
function exportedFiles(dir, select) {
  return Object.entries(packageJson(dir).exports ?? {})
    .filter(([subpath]) => select(subpath))
    .map(([, file]) => `^${escapeRegExp(join(dir, file))}$`);
}

const trainers = readdirSync(join(root, 'packages')).filter((d) => d.startsWith('trainer-'));
/** Each trainer's spec entry: its `./spec...` export (what the API may read of a trainer). */
const trainerSpecEntries = trainers.flatMap((t) =>
  exportedFiles(`packages/${t}`, (subpath) => subpath.startsWith('./spec')),
);
/** Core's browser entries (`@sweeps/core/states`, `/spec`, `/grid-status`): every export but the root. */
const coreBrowserEntries = exportedFiles('packages/core', (subpath) => subpath !== '.');

/** Workspace folders. */
const pkg = (...names) => `^packages/(${names.join('|')})/`;
const app = (...names) => `^apps/(${names.join('|')})/`;
const workspace = '^(packages|apps)/';
const npm = (...names) => `(^|/)node_modules/(${names.join('|')})/`;
const notTests = '\\.test\\.tsx?$';

/** A package or app may import from the workspace only itself and `allowed`. */
function workspaceAllowList(name, from, allowed, readme) {
  return {
    name,
    comment: `${readme}: it may import from the workspace only ${allowed.join(', ') || 'nothing'}.`,
    severity: 'error',
    from: { path: from },
    to: { path: workspace, pathNot: [from, ...allowed.map((a) => pkg(a))] },
  };
}

/** Imports from `from` into a trainer package must be its spec entry (no trainer runtime comes with it). */
function trainerSpecEntriesOnly(name, from, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^packages/trainer-', pathNot: trainerSpecEntries },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'imports-resolve',
      comment:
        'An import this checker cannot resolve is one no rule can check (and one Node would refuse).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-package-imports-an-app',
      comment:
        'Packages are what apps are built of; an app is never a library (packages/*/README.md).',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-do-not-import-each-other',
      comment: 'apps/*/README.md: "Never another app."',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    workspaceAllowList('core-imports-no-workspace-package', pkg('core'), [], 'packages/core'),
    {
      name: 'core-imports-zod-only',
      comment:
        'packages/core/README.md: "zod only. No I/O". node:crypto is allowed for hashing (config hashes); ' +
        'tests may read their fixtures.',
      severity: 'error',
      from: { path: pkg('core'), pathNot: notTests },
      to: { pathNot: [pkg('core'), npm('zod'), '^(node:)?crypto$'] },
    },
    workspaceAllowList('coco-eval-stands-alone', pkg('coco-eval'), [], 'packages/coco-eval'),
    {
      name: 'coco-eval-imports-node-only',
      comment:
        'packages/coco-eval/README.md: "node built-ins only" (its bin launcher runs the TypeScript).',
      severity: 'error',
      from: { path: '^packages/coco-eval/src/', pathNot: notTests },
      to: { dependencyTypesNot: ['core', 'local'] },
    },
    workspaceAllowList(
      'api-client-imports-core-only',
      pkg('api-client'),
      ['core'],
      'packages/api-client',
    ),
    {
      name: 'api-client-imports-core-browser-entries-and-zod',
      comment:
        'packages/api-client/README.md: "zod and core\'s browser-safe entries": it runs in the browser, so no ' +
        'core root, no Node module, no other npm package.',
      severity: 'error',
      from: { path: pkg('api-client'), pathNot: notTests },
      to: { pathNot: [pkg('api-client'), npm('zod'), ...coreBrowserEntries] },
    },
    workspaceAllowList('db-imports-core-only', pkg('db'), ['core'], 'packages/db'),
    {
      name: 'db-never-redis',
      comment: 'packages/db/README.md: "Never Redis or BullMQ."',
      severity: 'error',
      from: { path: pkg('db') },
      to: { path: npm('bullmq', 'ioredis') },
    },
    workspaceAllowList('queue-imports-core-only', pkg('queue'), ['core'], 'packages/queue'),
    {
      name: 'queue-never-postgres',
      comment:
        'packages/queue/README.md: "Never @sweeps/db: anything that needs both stores lives in @sweeps/orchestrate."',
      severity: 'error',
      from: { path: pkg('queue') },
      to: { path: npm('pg', 'pg-connection-string', '@prisma') },
    },
    workspaceAllowList(
      'orchestrate-imports-core-db-queue',
      pkg('orchestrate'),
      ['core', 'db', 'queue'],
      'packages/orchestrate',
    ),
    {
      name: 'only-orchestrate-joins-the-stores',
      comment:
        'packages/queue/README.md and packages/orchestrate/README.md: of the packages, only @sweeps/orchestrate ' +
        'imports @sweeps/db and @sweeps/queue (db and queue never import each other).',
      severity: 'error',
      from: { path: '^packages/', pathNot: pkg('orchestrate', 'db', 'queue') },
      to: { path: pkg('db', 'queue') },
    },
    {
      name: 'only-apps-import-orchestrate',
      comment: 'packages/orchestrate/README.md: "Apps import it; packages do not."',
      severity: 'error',
      from: { path: '^packages/', pathNot: pkg('orchestrate') },
      to: { path: pkg('orchestrate') },
    },
    workspaceAllowList(
      'trainer-command-imports-core-only',
      pkg('trainer-command'),
      ['core'],
      'packages/trainer-command',
    ),
    workspaceAllowList(
      'trainer-mmdet-imports-core-and-trainer-command',
      pkg('trainer-mmdet'),
      ['core', 'trainer-command'],
      'packages/trainer-mmdet',
    ),
    workspaceAllowList(
      'trainer-tfjs-imports-core-coco-eval-trainer-command',
      pkg('trainer-tfjs'),
      ['core', 'coco-eval', 'trainer-command'],
      'packages/trainer-tfjs',
    ),
    workspaceAllowList(
      'trainer-catalogue-imports-core-and-trainers',
      pkg('trainers'),
      ['core', 'trainer-[^/]+'],
      'packages/trainers (the trainer catalogue)',
    ),
    trainerSpecEntriesOnly(
      'trainer-catalogue-reads-spec-entries-only',
      pkg('trainers'),
      'packages/trainers/README.md: "the trainer packages\' `/spec` entries only, so the API can import the ' +
        'catalogue without loading a trainer\'s runtime".',
    ),
    {
      name: 'trainers-never-touch-the-stores',
      comment:
        'packages/trainer-*/README.md: "Never the database or the queue: a trainer only trains and reports epochs."',
      severity: 'error',
      from: { path: '^packages/trainers?[-/]' },
      to: { path: npm('pg', 'pg-connection-string', '@prisma', 'bullmq', 'ioredis') },
    },
    {
      name: 'only-trainer-tfjs-imports-tensorflow',
      comment: 'packages/trainer-tfjs/README.md: TensorFlow.js is its own; nothing else loads it.',
      severity: 'error',
      from: { pathNot: pkg('trainer-tfjs') },
      to: { path: npm('@tensorflow') },
    },
    workspaceAllowList(
      'api-imports-its-packages',
      app('api'),
      ['core', 'db', 'queue', 'orchestrate', 'api-client', 'trainers', 'trainer-[^/]+'],
      'apps/api',
    ),
    trainerSpecEntriesOnly(
      'api-imports-trainers-only-through-their-spec-entry',
      app('api'),
      "apps/api/README.md: a trainer's spec entry (its `./spec...` export: spec schema, submission check) and " +
        'nothing else of it, so the API never loads a trainer runtime.',
    ),
    workspaceAllowList(
      'cli-imports-its-packages',
      app('cli'),
      ['core', 'api-client', 'trainer-mmdet', 'db'],
      'apps/cli',
    ),
    trainerSpecEntriesOnly(
      'cli-imports-trainer-mmdet-only-through-its-spec-entry',
      app('cli'),
      'apps/cli/README.md: `@sweeps/trainer-mmdet/spec` (`check-log` runs its parsers locally).',
    ),
    {
      name: 'cli-imports-db-only-for-keys',
      comment:
        'apps/cli/README.md: `@sweeps/db` "only `keys`, which talks to PostgreSQL directly".',
      severity: 'error',
      from: { path: app('cli'), pathNot: '^apps/cli/src/commands/key-commands\\.ts$' },
      to: { path: pkg('db') },
    },
    workspaceAllowList(
      'worker-imports-its-packages',
      app('worker'),
      ['core', 'db', 'queue', 'orchestrate', 'trainers', 'trainer-command'],
      'apps/worker',
    ),
    workspaceAllowList(
      'dashboard-imports-api-client-only',
      app('dashboard'),
      ['api-client'],
      'apps/dashboard (no README yet; it runs in the browser and reads the API through @sweeps/api-client)',
    ),
    {
      name: 'apps-run-no-sql',
      comment:
        'apps/api and apps/worker READMEs: apps call the stores of @sweeps/db and @sweeps/orchestrate, never a ' +
        'database driver or the Prisma client.',
      severity: 'error',
      from: { path: '^apps/' },
      to: { path: [npm('pg', 'pg-connection-string', '@prisma'), '^packages/db/src/generated/'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^packages/db/src/generated/'] },
    exclude: { path: ['^packages/trainer-tfjs/native/build/', '^apps/dashboard/dist/'] },
    // type-only imports are imports too: a package's types are part of what it depends on
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};
