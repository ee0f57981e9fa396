/**
 * A JSON body computed once and sent to many readers (see IntervalReads): its bytes and its gzip are made once,
 * on first use, and shared, so neither the event loop nor the network pays per reader for a large body (a
 * 5,000-cell grid is about 2 MB of JSON, about 1/20 of it gzipped). Compression runs in libuv's thread pool.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const gzipAsync = promisify(gzip);

/** Bodies smaller than this are sent as they are: compressing them saves little. */
const COMPRESS_FROM = 16 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

export class SharedJson {
  private bytes: Buffer | null = null;
  private gz: Promise<Buffer> | null = null;

  constructor(readonly text: string) {}

  /** The text as UTF-8, encoded once. */
  buffer(): Buffer {
    this.bytes ??= Buffer.from(this.text);
    return this.bytes;
  }

  /**
   * This body once its gzip is made, where it will be sent gzipped (large bodies): made before the body is
   * served, readers never wait for it (browsers and fetch accept gzip).
   */
  async compressed(): Promise<this> {
    if (this.text.length >= COMPRESS_FROM) await this.gzipped();
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
  if (body.text.length >= COMPRESS_FROM && acceptsGzip(req.headers['accept-encoding'])) {
    return reply.header('content-encoding', 'gzip').send(await body.gzipped());
  }
  return reply.send(body.buffer());
}
