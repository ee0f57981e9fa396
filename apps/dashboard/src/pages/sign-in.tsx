/** The key is sent once and exchanged for an HttpOnly session cookie; the page never keeps it. */
import { useSignal } from '@preact/signals';
import { api, ApiError, scope, shownScope } from '../api.ts';
import { Untrusted } from '../components/untrusted.tsx';

export function SignIn() {
  const key = useSignal('');
  const error = useSignal('');
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      const s = await api.signIn(key.value.trim());
      key.value = '';
      scope.value = shownScope(s.scope);
    } catch (err) {
      error.value =
        err instanceof ApiError && err.status === 401
          ? 'This API key is unknown or revoked.'
          : (err as Error).message;
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="sign-in" onSubmit={submit}>
      <h1>Sign in</h1>
      <p>
        Paste an API key (create one with <code>npx sweeps keys create --scope write</code>). It is
        exchanged for a session cookie that ends with the browser session.
      </p>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        data-testid="api-key"
        type="password"
        autocomplete="off"
        required
        value={key.value}
        onInput={(e) => {
          key.value = (e.target as HTMLInputElement).value;
        }}
      />
      <button type="submit" data-testid="sign-in" disabled={busy.value}>
        Sign in
      </button>
      {error.value && (
        <p class="error" role="alert" data-testid="sign-in-error">
          <Untrusted text={error.value} />
        </p>
      )}
    </form>
  );
}
