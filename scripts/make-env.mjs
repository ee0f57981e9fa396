#!/usr/bin/env node
// Writes .env for docker compose from .env.example, with a fresh random value for every secret (each variable
// left empty there).
// Usage: node scripts/make-env.mjs [--out FILE] [--force]
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : `${root}.env`;
if (existsSync(out) && !args.includes('--force')) {
  console.error(`${out} exists; not overwriting it (pass --force to replace it).`);
  process.exit(2);
}
const lines = readFileSync(`${root}.env.example`, 'utf8')
  .split('\n')
  .map((line) => {
    const m = /^([A-Z0-9_]+)=$/.exec(line);
    return m ? `${m[1]}=${randomBytes(24).toString('hex')}` : line;
  });
writeFileSync(out, lines.join('\n'), { mode: 0o600 });
console.log(`Wrote ${out} (mode 600) with fresh secrets. Start with: docker compose up -d`);
