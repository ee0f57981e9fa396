/**
 * Counts what processes send to PostgreSQL and Redis, by reading their wire protocols in a TCP proxy placed between
 * them (no change to the code measured, so the same count runs on an older commit's tree). The parsers are pure
 * (wire-counts.test.ts); `countingProxy` is the socket part.
 *
 * PostgreSQL (protocol 3): every Execute ('E') of the extended protocol is one statement, named by the text of the
 * Parse ('P') its Bind ('B') points to; a simple Query ('Q') is one statement; a Sync ('S') or a Query is one round
 * trip. Redis (RESP): every command array is one command; a burst of commands in one TCP write is one round trip.
 */
import { createServer, type Server, connect } from 'node:net';

/** Reads the messages a PostgreSQL client sends; calls `onStatement` per executed statement. */
export class PgClientStream {
  private buf: Buffer = Buffer.alloc(0);
  private started = false;
  /** The SQL of each prepared statement by name ('' is the unnamed one). */
  private readonly prepared = new Map<string, string>();
  /** The statement each portal was bound to. */
  private readonly portals = new Map<string, string>();
  roundTrips = 0;

  constructor(private readonly onStatement: (sql: string) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buf.length < 8) return;
        const len = this.buf.readInt32BE(0);
        if (this.buf.length < len) return;
        const code = this.buf.readInt32BE(4);
        // SSLRequest / GSSENCRequest are answered 'N' by a server without TLS; the startup message follows
        if (code !== 80877103 && code !== 80877104) this.started = true;
        this.buf = this.buf.subarray(len);
        continue;
      }
      if (this.buf.length < 5) return;
      const type = String.fromCharCode(this.buf[0]!);
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < 1 + len) return;
      this.message(type, this.buf.subarray(5, 1 + len));
      this.buf = this.buf.subarray(1 + len);
    }
  }

  private message(type: string, body: Buffer): void {
    if (type === 'Q') {
      this.roundTrips++;
      this.onStatement(cString(body, 0).text);
    } else if (type === 'P') {
      const name = cString(body, 0);
      this.prepared.set(name.text, cString(body, name.next).text);
    } else if (type === 'B') {
      const portal = cString(body, 0);
      this.portals.set(portal.text, cString(body, portal.next).text);
    } else if (type === 'E') {
      const statement = this.portals.get(cString(body, 0).text) ?? '';
      this.onStatement(this.prepared.get(statement) ?? '(unknown statement)');
    } else if (type === 'S') this.roundTrips++;
  }
}

function cString(b: Buffer, at: number): { text: string; next: number } {
  const end = b.indexOf(0, at);
  const stop = end < 0 ? b.length : end;
  return { text: b.toString('utf8', at, stop), next: stop + 1 };
}

/** Reads the commands a Redis client sends (RESP arrays of bulk strings); calls `onCommand` with each one's words. */
export class RespClientStream {
  private buf: Buffer = Buffer.alloc(0);
  roundTrips = 0;

  constructor(private readonly onCommand: (words: string[]) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let any = false;
    for (;;) {
      const parsed = this.command();
      if (!parsed) break;
      any = true;
      this.buf = this.buf.subarray(parsed.next);
      this.onCommand(parsed.words);
    }
    if (any) this.roundTrips++;
  }

  /** One whole command at the start of the buffer, or null when more bytes are needed. */
  private command(): { words: string[]; next: number } | null {
    const b = this.buf;
    const line = b.indexOf('\r\n');
    if (line < 0) return null;
    if (b[0] !== 0x2a /* '*' */) {
      // an inline command (redis-cli style): words separated by spaces
      return { words: b.toString('utf8', 0, line).split(' ').filter(Boolean), next: line + 2 };
    }
    const n = Number(b.toString('latin1', 1, line));
    let at = line + 2;
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      const end = b.indexOf('\r\n', at);
      if (end < 0) return null;
      const len = Number(b.toString('latin1', at + 1, end));
      const start = end + 2;
      if (b.length < start + len + 2) return null;
      // only the first words name a command and its keys; a job's data or a script body is cut short
      words.push(b.toString('utf8', start, start + Math.min(len, 4000)));
      at = start + len + 2;
    }
    return { words, next: at };
  }
}

export interface CountingProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 (a free port) to `target`; every chunk a client sends is passed to a new
 * `reader(connection)` of that connection before it is forwarded.
 */
export async function countingProxy(
  target: { host: string; port: number },
  reader: () => { push(chunk: Buffer): void },
): Promise<CountingProxy> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const stream = reader();
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      stream.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A statement's shape: whitespace collapsed, literals and parameter lists folded, so repeats count together. */
export function statementShape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\$\d+(?:\s*,\s*\$\d+)*/g, '$n')
    .replace(/\b\d+\b/g, 'N')
    .trim();
}
