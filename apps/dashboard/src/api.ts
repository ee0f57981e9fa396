/** The one API client of the dashboard (same origin, session cookie) and who is signed in. */
import { signal } from '@preact/signals';
import { ApiError, SweepsClient } from '@sweeps/api-client/client';

export const api = new SweepsClient({ baseUrl: '' });
export { ApiError };

/** null: not known yet; 'none': signed out; otherwise the key's scope (an admin key can do what a write key can). */
export const scope = signal<null | 'none' | 'read' | 'write'>(null);

/** The scope as the dashboard shows it: an admin key writes (and may steer every sweep). */
export function shownScope(s: 'read' | 'write' | 'admin'): 'read' | 'write' {
  return s === 'admin' ? 'write' : s;
}

export async function loadSession(): Promise<void> {
  try {
    scope.value = shownScope((await api.session()).scope);
  } catch {
    scope.value = 'none';
  }
}

/** Any 401 means the session ran out or the key was revoked: back to the sign-in form, showing nothing. */
export function handleError(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) scope.value = 'none';
  return err instanceof Error ? err.message : String(err);
}
