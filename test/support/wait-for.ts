/**
 * How tests wait: for a condition, never for a time. `waitFor` polls until the condition holds (or fails naming
 * what it waited for); `isPending` tells whether a promise is still unsettled once everything already queued ran.
 * A test that must let time pass as the behaviour under test marks that line `sleep-ok: <why>` (see
 * test/guards/no-sleep-waits.test.ts, which refuses any other sleep in test code).
 */

/**
 * Polls `fn` every `everyMs` until it returns a truthy value (which is returned) or `timeoutMs` pass; an error
 * thrown by `fn` counts as "not yet" and is named if the wait times out.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, everyMs)); // sleep-ok: the poll interval of waitFor itself
  }
  throw new Error(
    `timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

/** Whether `p` is still pending after every callback already queued (promise reactions, I/O done) has run. */
export async function isPending(p: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const nextTurn = new Promise((r) => setImmediate(r, pending));
  return (await Promise.race([p, nextTurn])) === pending;
}
