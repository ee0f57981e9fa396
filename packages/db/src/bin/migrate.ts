/** `npm run db:migrate`: applies prisma/migrations to DATABASE_URL (default: the local `sweeps` database). */
import { applyMigrations } from '../migrate.ts';
import { readDbEnv } from '../env.ts';

const { DATABASE_URL } = readDbEnv();
try {
  const applied = await applyMigrations(DATABASE_URL);
  const where = DATABASE_URL.replace(/\/\/[^@]*@/, '//');
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}`
      : `Database ${where} is up to date.`,
  );
} catch (err) {
  console.error(`Could not migrate the database: ${(err as Error).message}`);
  process.exitCode = 1;
}
// The driver adapter keeps an idle pool open for ~10 s; nothing is left to do, so leave now.
process.exit();
