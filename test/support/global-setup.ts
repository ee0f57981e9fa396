import { applyMigrations } from '../../packages/db/src/migrate.ts';
import { TEST_DATABASE_URL } from './services.ts';

/** Applies the committed migrations to the test database once per run (services must be up: see .ci/run). */
export default async function setup(): Promise<void> {
  await applyMigrations(TEST_DATABASE_URL);
}
