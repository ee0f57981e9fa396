/** `sweeps keys create | list | revoke`: talk to PostgreSQL directly (you need a key before you can use the API). */
import { type Command, Option } from 'commander';
import {
  createApiKey,
  createDb,
  type Db,
  KEY_SCOPES,
  type KeyScope,
  listApiKeys,
  readDbEnv,
  revokeApiKey,
} from '@sweeps/db';
import { table } from '../format.ts';
import { out } from './context.ts';

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(readDbEnv().DATABASE_URL, 1);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

export function addKeyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys (run where DATABASE_URL reaches the database)');
  keys
    .command('create')
    .description('create an API key; the key is printed once, as the last line')
    .addOption(
      new Option(
        '--scope <scope>',
        'read: GET only; write: create sweeps and steer its own; admin: steer every sweep',
      )
        .choices([...KEY_SCOPES])
        .default('read'),
    )
    .option(
      '--name <name>',
      'a label for the key, shown by `keys list` (who or what uses it)',
      'cli',
    )
    .action(async (o: { scope: KeyScope; name: string }) => {
      const k = await withDb((db) => createApiKey(db, o.scope, o.name));
      out(
        `Created ${k.scope} key ${k.id} ("${k.name}"). Keep it secret; it is not shown again. Use it with: export SWEEPS_API_KEY=<key>`,
      );
      out(k.key);
    });
  keys
    .command('list')
    .description(
      'keys with their id, name, scope and the sweeps each created (never the keys themselves)',
    )
    .option('--all', 'include revoked keys')
    .action(async (o: { all?: boolean }) => {
      const rows = await withDb((db) => listApiKeys(db, o.all ?? false));
      out(
        rows.length
          ? table(
              ['id', 'name', 'scope', 'created', 'revoked', 'sweeps'],
              rows.map((k) => [
                k.id,
                k.name,
                k.scope,
                k.createdAt.toISOString(),
                k.revokedAt?.toISOString() ?? '',
                k.sweeps,
              ]),
            )
          : 'No keys. Create one with `sweeps keys create --scope write --name <who>`.',
      );
    });
  keys
    .command('revoke <id>')
    .description(
      'revoke a key by its id (key_…); API servers stop accepting it within 5 s (their key cache), and its open event streams and dashboard sessions end too',
    )
    .action(async (id: string) => {
      if (!(await withDb((db) => revokeApiKey(db, id)))) {
        process.exitCode = 2;
        out(`No active key ${id} (see \`sweeps keys list --all\`).`);
        return;
      }
      out(
        `Revoked ${id}. API servers refuse it within 5 s; its open event streams close and its dashboard sessions end.`,
      );
    });
}
