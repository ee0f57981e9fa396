/**
 * Serves the built dashboard (apps/dashboard/dist): `index.html` for the app's addresses (never cached, so a new
 * build is picked up on reload) and the hashed files under /assets (cached for a year: their names change with
 * their content). Files are read once into memory, gzipped when that helps; a request names a file only by an
 * exact match in that table, so no path reaches the file system.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The dashboard's own addresses: a reload or a pasted link gets the app. */
export const APP_PATHS = ['/', '/sweeps/:id', '/workers', '/new', '/sign-in'];

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function loadFiles(dir: string): Map<string, StaticFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  for (const path of walk(dir)) {
    const type = TYPES[extname(path)];
    if (!type) continue;
    const body = readFileSync(path);
    const packed = body.length > 1024 && !type.startsWith('image/png') ? gzipSync(body) : null;
    files.set(`/${relative(dir, path).split(sep).join('/')}`, {
      body,
      type,
      gzip: packed && packed.length < body.length ? packed : null,
    });
  }
  return files;
}

function send(req: FastifyRequest, reply: FastifyReply, f: StaticFile, cache: string) {
  reply
    .header('content-type', f.type)
    .header('cache-control', cache)
    .header('vary', 'accept-encoding');
  reply.header('x-content-type-options', 'nosniff');
  if (f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')))
    return reply.header('content-encoding', 'gzip').send(f.gzip);
  return reply.send(f.body);
}

export function installDashboard(app: FastifyInstance, dir: string): void {
  // Loaded on first use and kept; a missing build is looked for again on each request until it appears.
  let files: Map<string, StaticFile> | null = null;
  const get = () => (files ??= loadFiles(dir));
  const notBuilt = (reply: FastifyReply) =>
    reply
      .status(503)
      .type('text/plain; charset=utf-8')
      .send(`The dashboard is not built (no ${dir}/index.html): run \`npm run build\`.`);

  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    const f = get()?.get('/index.html');
    if (!f) return notBuilt(reply);
    reply.header('content-security-policy', CSP).header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    return send(req, reply, f, 'no-cache');
  };
  for (const url of APP_PATHS) app.get(url, { schema: { hide: true } }, index);

  app.get('/assets/*', { schema: { hide: true } }, async (req, reply) => {
    const f = get()?.get(req.url.split('?')[0]!);
    if (!f) return reply.callNotFound();
    return send(req, reply, f, 'public, max-age=31536000, immutable');
  });
  app.get('/favicon.svg', { schema: { hide: true } }, async (req, reply) => {
    const f = get()?.get('/favicon.svg');
    if (!f) return reply.callNotFound();
    return send(req, reply, f, 'public, max-age=3600');
  });
}
