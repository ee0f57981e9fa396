/**
 * A timer for any delay: Node's setTimeout fires at once for delays over 2^31-1 ms (about 24.8 days), so longer
 * limits (`timeout_s` up to 30 days) are waited in chunks.
 */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Calls `fn` once `ms` have passed; returns a function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  const due = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = due - Date.now();
    timer = left > MAX_DELAY_MS ? setTimeout(arm, MAX_DELAY_MS) : setTimeout(fn, Math.max(left, 0));
  };
  arm();
  return () => clearTimeout(timer);
}

/** Resolves after `ms`; the timer does not keep the process alive. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
