import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CRASH_EXIT_CODE, installCrashPolicy } from './crash-policy.ts';

describe('the crash policy', () => {
  it('hands running trials back and exits with 70 on an unhandled rejection', async () => {
    const proc = new EventEmitter();
    const lines: string[] = [];
    let handedBack = 0;
    const exited = new Promise<number>((resolve) =>
      installCrashPolicy({
        log: (l) => lines.push(l),
        handBack: async () => void handedBack++,
        exit: resolve,
        proc,
      }),
    );
    proc.emit('unhandledRejection', new Error('boom'));
    proc.emit('uncaughtException', new Error('again'));
    expect(await exited).toBe(CRASH_EXIT_CODE);
    expect(handedBack).toBe(1);
    expect(lines.join('\n')).toMatch(
      /fatal: unhandled rejection: Error: boom[\s\S]*handing running trials back/,
    );
  });
});
