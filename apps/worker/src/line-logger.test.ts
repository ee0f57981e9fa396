import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineLogger } from './line-logger.ts';

describe('line logger', () => {
  it('writes timestamped lines in one batch, on a timer or on flush', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLineLogger(out, 20);
    log('one');
    log('two');
    expect(chunks).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z one\n\S+ two\n$/);
    log('three');
    log.flush();
    expect(chunks[1]).toMatch(/ three\n$/);
  });
});
