/** `sweeps keys create`: talks to PostgreSQL directly (you need a key before you can use the API). */
import { type Command, Option } from 'commander';
import { createApiKey, createDb, readDbEnv } from '@sweeps/db';
import { out } from './context.ts';

export function addKeyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys (run where DATABASE_URL reaches the database)');
  keys
    .command('create')
    .description('create an API key; the key is printed once, as the last line')
    .addOption(
      new Option('--scope <scope>', 'read: GET only; write: everything')
        .choices(['read', 'write'])
        .default('read'),
    )
    .option('--name <name>', 'a label for the key', 'cli')
    .action(async (o: { scope: 'read' | 'write'; name: string }) => {
      const db = createDb(readDbEnv().DATABASE_URL, 1);
      try {
        const k = await createApiKey(db, o.scope, o.name);
        out(
          `Created ${k.scope} key ${k.id} ("${o.name}"). Keep it secret; it is not shown again. Use it with: export SWEEPS_API_KEY=<key>`,
        );
        out(k.key);
      } finally {
        await db.$disconnect();
      }
    });
}
