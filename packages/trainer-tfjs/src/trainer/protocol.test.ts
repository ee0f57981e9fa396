import { describe, expect, it } from 'vitest';
import { errorLine, parseChildLine } from './protocol.ts';

describe('trial process protocol', () => {
  it('keeps the permanent reasons a trial process reports', () => {
    for (const reason of ['invalid', 'diverged', 'failed', 'oom'] as const) {
      expect(parseChildLine(errorLine(reason, 'why'))).toEqual({
        type: 'error',
        reason,
        message: 'why',
      });
    }
  });

  it('reads any other reason as transient, names of the object prototype included', () => {
    for (const reason of [
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
      'ok',
      'nope',
      3,
    ]) {
      const line = JSON.stringify({ error: { reason, message: 'm' } });
      expect(parseChildLine(line)).toEqual({ type: 'error', reason: 'transient', message: 'm' });
    }
  });
});
