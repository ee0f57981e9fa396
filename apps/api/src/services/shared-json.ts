/**
 * A JSON body computed once and sent to many readers (see IntervalReads): its bytes and its gzip are made once,
 * on first use, and shared, so neither the event loop nor the network pays per reader for a large body (a
 * 5,000-cell grid is about 2 MB of JSON, about 1/20 of it gzipped). Compression runs in libuv's thread pool.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzipAsync = promisify(gzip);

const JSON_TYPE = 'application/json; charset=utf-8';

/** Bodies smaller than this are sent as they are: compressing them saves little. */
export const COMPRESS_FROM = 16 * 1024;

/**
 * Whether shared bodies are checked against their route's response schema before they are sent. Under tests
 * (NODE_ENV=test, as vitest sets it for the suites and the processes they start) they are, so a body that breaks
 * the schema fails the suites; in service they are not: checking a 5,000-cell grid costs 25 ms on a quiet core
 * (100-500 ms on a loaded one) several times a second, for a body built by tested code.
 */
export const CHECK_SHARED_BODIES = process.env.NODE_ENV === 'test';

export class SharedJson {
  private textKept: string | null;
  private bytes: Buffer | null = null;
  private gz: Promise<Buffer> | null = null;

  constructor(text: string) {
    this.textKept = text;
  }

  /** A body made elsewhere (a body thread) as UTF-8 bytes, with its gzip if it was made there too. */
  static fromBytes(bytes: Buffer, gz: Buffer | null): SharedJson {
    const body = new SharedJson('');
    body.textKept = null;
    body.bytes = bytes;
    if (gz) body.gz = Promise.resolve(gz);
    return body;
  }

  /** The JSON text (decoded once from the bytes for a body made as bytes). */
  get text(): string {
    this.textKept ??= this.bytes!.toString();
    return this.textKept;
  }

  /** The size of the body in bytes, as sent without compression. */
  get size(): number {
    return this.buffer().length;
  }

  /** The text as UTF-8, encoded once. */
  buffer(): Buffer {
    this.bytes ??= Buffer.from(this.textKept!);
    return this.bytes;
  }

  /**
   * This body once its gzip is made, where it will be sent gzipped (large bodies): made before the body is
   * served, readers never wait for it (browsers and fetch accept gzip).
   */
  async compressed(): Promise<this> {
    if (this.size >= COMPRESS_FROM) await this.gzipped();
    return this;
  }

  /** The gzip of the text, compressed once (fast level: it is made once per interval, read many times). */
  gzipped(): Promise<Buffer> {
    this.gz ??= gzipAsync(this.buffer(), { level: 1 });
    return this.gz;
  }
}

/** Whether an Accept-Encoding header accepts gzip (`gzip` or `*`, without `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Sends `body` as the route's JSON answer: gzipped where the client accepts it and the body is large. */
export async function sendSharedJson(
  req: FastifyRequest,
  reply: FastifyReply,
  body: SharedJson,
): Promise<FastifyReply> {
  reply.type(JSON_TYPE).header('vary', 'accept-encoding');
  if (body.size >= COMPRESS_FROM && acceptsGzip(req.headers['accept-encoding'])) {
    return reply.header('content-encoding', 'gzip').send(await body.gzipped());
  }
  return reply.send(body.buffer());
}
