import { describe, expect, it } from 'vitest';
import { QueueLockLost } from './abort-reasons.ts';
import { QueueLockWatch } from './queue-lock-watch.ts';

/** A watch over one running trial `t1` whose lock reads come from `answer`, on a clock the test moves. */
type Answer = { token: string | null; ttlMs: number; jobExists?: boolean };
function watchOne(answer: () => Answer | 'unreachable') {
  let now = 1_000_000;
  const controller = new AbortController();
  const logged: string[] = [];
  const watch = new QueueLockWatch({
    read: async () => {
      const a = answer();
      if (a === 'unreachable') throw new Error('Connection is closed.');
      return { jobExists: true, ...a };
    },
    running: new Map([['t1', controller]]),
    log: (l) => logged.push(l),
    now: () => now,
  });
  watch.track('t1', 'tok');
  return {
    controller,
    logged,
    async at(ms: number) {
      now = 1_000_000 + ms;
      await watch.check();
    },
  };
}

describe('queue lock watch', () => {
  it('lets a trial run while its lock is seen held, however long', async () => {
    const w = watchOne(() => ({ token: 'tok', ttlMs: 6_000 }));
    for (let ms = 0; ms <= 60_000; ms += 1_000) await w.at(ms);
    expect(w.controller.signal.aborted).toBe(false);
  });

  it('stops a trial whose lock is gone or taken, at once', async () => {
    const gone = watchOne(() => ({ token: null, ttlMs: 0 }));
    await gone.at(1_000);
    expect(gone.controller.signal.reason).toBeInstanceOf(QueueLockLost);
    expect(gone.logged[0]).toMatch(/t1: its job lock ran out/);
    const taken = watchOne(() => ({ token: 'other', ttlMs: 9_000 }));
    await taken.at(1_000);
    expect((taken.controller.signal.reason as Error).message).toMatch(/taken/);
  });

  it('lets a trial go on when Redis lost its job altogether (no one else can be given it)', async () => {
    const w = watchOne(() => ({ token: null, ttlMs: 0, jobExists: false }));
    for (let ms = 0; ms <= 30_000; ms += 1_000) await w.at(ms);
    expect(w.controller.signal.aborted).toBe(false);
  });

  it('with Redis unreachable, stops the trial the margin before the last lock seen could run out', async () => {
    let reachable = true;
    const w = watchOne(() => (reachable ? { token: 'tok', ttlMs: 7_000 } : 'unreachable'));
    await w.at(4_000); // held until 11 s
    reachable = false;
    await w.at(8_500);
    expect(w.controller.signal.aborted).toBe(false);
    await w.at(9_000); // 11 s less the 2 s margin
    expect((w.controller.signal.reason as Error).message).toMatch(
      /could not be renewed \(Redis unreachable from this worker\)/,
    );
  });
});
