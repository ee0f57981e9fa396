import { describe, expect, it } from 'vitest';
import { PgClientStream, RespClientStream, statementShape } from './wire-counts.ts';

/** One PostgreSQL client message: type byte, length, body. */
const msg = (type: string, ...parts: Array<string | Buffer>) => {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};
const z = '\0';
const startup = (() => {
  const body = Buffer.from(`user${z}postgres${z}${z}`);
  const b = Buffer.alloc(8);
  b.writeInt32BE(body.length + 8, 0);
  b.writeInt32BE(196608, 4);
  return Buffer.concat([b, body]);
})();
const sslRequest = (() => {
  const b = Buffer.alloc(8);
  b.writeInt32BE(8, 0);
  b.writeInt32BE(80877103, 4);
  return b;
})();

describe('the PostgreSQL wire count', () => {
  it('counts each Execute by its prepared text and each simple Query, whatever the chunking', () => {
    const seen: string[] = [];
    const s = new PgClientStream((sql) => seen.push(sql));
    const all = Buffer.concat([
      sslRequest,
      startup,
      msg('Q', `BEGIN${z}`),
      msg('P', `s1${z}SELECT $1${z}`, Buffer.alloc(2)),
      msg('B', `${z}s1${z}`, Buffer.alloc(6)),
      msg('E', `${z}`, Buffer.alloc(4)),
      msg('B', `${z}s1${z}`, Buffer.alloc(6)),
      msg('E', `${z}`, Buffer.alloc(4)),
      msg('S'),
      msg('P', `${z}UPDATE t SET a = 1${z}`, Buffer.alloc(2)),
      msg('B', `p${z}${z}`, Buffer.alloc(6)),
      msg('E', `p${z}`, Buffer.alloc(4)),
      msg('S'),
    ]);
    for (let i = 0; i < all.length; i += 7) s.push(all.subarray(i, i + 7)); // split mid-message
    expect(seen).toEqual(['BEGIN', 'SELECT $1', 'SELECT $1', 'UPDATE t SET a = 1']);
    expect(s.roundTrips).toBe(3);
  });
});

describe('the Redis wire count', () => {
  it('reads pipelined commands as one round trip, and waits for a command cut short', () => {
    const seen: string[][] = [];
    const s = new RespClientStream((w) => seen.push(w));
    s.push(
      Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk'),
    );
    expect(seen).toEqual([['GET', 'k'], ['PING']]);
    s.push(Buffer.from('\r\n$2\r\nvv\r\n'));
    expect(seen.at(-1)).toEqual(['SET', 'k', 'vv']);
    expect(s.roundTrips).toBe(2);
  });
});

describe("a statement's shape", () => {
  it('folds literals, numbers and parameter lists', () => {
    expect(statementShape("SELECT  *\n FROM t WHERE a = 'x' AND b IN ($1, $2) LIMIT 10")).toBe(
      "SELECT * FROM t WHERE a = '?' AND b IN ($n) LIMIT N",
    );
  });
});
