/**
 * Bounded waits on request paths: a store that does not answer in time becomes UNAVAILABLE (the API's 503), never a
 * hung request.
 */
import { DomainError } from '@sweeps/core';

/** Default bound on one call to PostgreSQL or Redis made while a client waits. */
export const REQUEST_DEADLINE_MS = 3_000;

/** Resolves as `work` does, or throws UNAVAILABLE naming `what` once `ms` have passed. */
export async function withDeadline<T>(
  what: string,
  work: Promise<T>,
  ms = REQUEST_DEADLINE_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DomainError('UNAVAILABLE', `${what} did not answer within ${ms} ms.`)),
      ms,
    );
  });
  work.catch(() => {}); // a late failure after the deadline is not an unhandled rejection
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
