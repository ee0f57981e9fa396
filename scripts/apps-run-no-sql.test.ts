/**
 * Apps call the stores of @sweeps/db and the operations of @sweeps/orchestrate; they never query the database
 * themselves. The import rules keep database drivers out of apps; this keeps out queries made through the Prisma
 * client that @sweeps/db hands them (`db.$queryRaw`, `db.trial.findMany(...)`). Tests may arrange rows directly.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');

/** A query through the Prisma client: raw SQL, a transaction, or a model call such as `db.trial.findMany(`. */
const QUERY =
  /\.\$(?:queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|transaction)\b|\b(?:db|tx|prisma)\.[a-z]\w*\.(?:find\w*|create\w*|update\w*|delete\w*|upsert|count|aggregate|groupBy)\(/;

/** The source files of the apps, tests left out. */
async function appSources(): Promise<string[]> {
  const apps = await readdir(path.join(repo, 'apps'));
  const files: string[] = [];
  for (const app of apps) {
    const src = path.join(repo, 'apps', app, 'src');
    const entries = await readdir(src, { recursive: true }).catch(() => [] as string[]);
    for (const e of entries)
      if (/\.tsx?$/.test(e) && !/\.test\.tsx?$/.test(e)) files.push(path.join(src, e));
  }
  return files;
}

describe('apps run no SQL', () => {
  it('the check sees a query made through the Prisma client', () => {
    expect(QUERY.test('await deps.db.$queryRaw`SELECT 1`')).toBe(true);
    expect(QUERY.test('db.trial.findMany({ where: { id } })')).toBe(true);
    expect(QUERY.test('await tx.sweep.update({ data })')).toBe(true);
    expect(QUERY.test('await db.$disconnect();')).toBe(false);
    expect(QUERY.test('await claimTrial(deps.db, trialId, workerId)')).toBe(false);
  });

  it('no app source queries the database', async () => {
    const files = await appSources();
    expect(files.length).toBeGreaterThan(50);
    const querying: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (QUERY.test(line))
          querying.push(`${path.relative(repo, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(querying).toEqual([]);
  });
});
