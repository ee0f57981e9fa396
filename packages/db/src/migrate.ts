/**
 * The project's own offline `prisma migrate deploy`: applies the committed migrations in `prisma/migrations`
 * with Prisma's schema engine compiled to wasm, over the pg driver adapter. No native engine, no download.
 * It records `_prisma_migrations` exactly as the Prisma CLI does, so both can be mixed on one database.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { parse as parsePgUrl } from 'pg-connection-string';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);
/** Default location of the committed migrations: `<repo>/prisma/migrations`. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../prisma/migrations', import.meta.url),
);

interface WasmSchemaEngine {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}

type EngineRuntime = { SchemaEngine: { new: (...args: unknown[]) => Promise<WasmSchemaEngine> } };
/**
 * Process-wide state, kept on globalThis: the engine's JS glue is one module per process, while this file may be
 * loaded more than once (test runners give each suite its own module graph). Instantiating the wasm twice would
 * swap it under a running call, so the engine is loaded once and migrations run one at a time.
 */
const shared = ((globalThis as Record<symbol, unknown>)[Symbol.for('sweeps.schema-engine')] ??=
  {}) as {
  runtime?: Promise<EngineRuntime>;
  queue?: Promise<unknown>;
};

function loadSchemaEngine(): Promise<EngineRuntime> {
  shared.runtime ??= instantiateSchemaEngine();
  return shared.runtime;
}

async function instantiateSchemaEngine(): Promise<EngineRuntime> {
  // A Rust panic inside the engine reports its message here; without it the panic itself crashes the process.
  const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
  g.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (m: string) => {
      throw new Error(`Prisma schema engine panicked: ${m}`);
    },
  };
  // The package is a wasm-bindgen "bundler" build: Node cannot import the .wasm, so instantiate it by hand.
  const wasmDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const runtime = await import(pathToFileURL(path.join(wasmDir, 'schema_engine_bg.js')).href);
  const bytes = await readFile(path.join(wasmDir, 'schema_engine_bg.wasm'));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    './schema_engine_bg.js': runtime,
  });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start?: () => void }).__wbindgen_start?.();
  return runtime;
}

async function readMigrationList(dir: string) {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
          (ok) => ({ tag: 'ok', value: ok }),
          (err: Error) => ({ tag: 'error', value: err.message }),
        ),
      },
    })),
  );
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Creates the database named in `url` when it does not exist yet (a fresh machine has only `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const cfg = parsePgUrl(url);
  const database = cfg.database ?? 'postgres';
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (err) {
    // Another process may have created it between the check and the CREATE.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await admin.end();
  }
}

/** Applies every committed migration not yet applied; returns the names it applied. */
export function applyMigrations(
  url: string,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
): Promise<string[]> {
  const run = (shared.queue ?? Promise.resolve()).then(() => applyNow(url, migrationsDir));
  shared.queue = run.catch(() => {});
  return run;
}

async function applyNow(url: string, migrationsDir: string): Promise<string[]> {
  await ensureDatabase(url);
  const runtime = await loadSchemaEngine();
  const { schema, ...cfg } = parsePgUrl(url) as Record<string, unknown> & { schema?: string };
  const adapter = new PrismaPg(
    { ...cfg, port: cfg.port ? Number(cfg.port) : undefined } as pg.PoolConfig,
    schema ? { schema } : undefined,
  );
  const engine = await runtime.SchemaEngine.new(
    { datamodels: undefined },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    const out = await engine.applyMigrations({
      migrationsList: await readMigrationList(migrationsDir),
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}
