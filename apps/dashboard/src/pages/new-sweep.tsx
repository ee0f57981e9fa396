/**
 * Paste or upload a sweep file (YAML or JSON); the API's preview updates as you type (trial counts per
 * checkpoint and optimizer, refused values, errors with their paths); submit sends an Idempotency-Key made
 * for this text, so a double click creates one sweep.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { parse as parseYaml } from 'yaml';
import type { ErrorIssue, Preview } from '@sweeps/api-client';
import { api, ApiError, handleError, scope } from '../api.ts';
import { navigate } from '../router.ts';
import { param } from '../format.ts';
import { Untrusted } from '../components/untrusted.tsx';

function parseSpec(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{')) return JSON.parse(t);
  return parseYaml(t);
}

function newKey(): string {
  return crypto.randomUUID();
}

function PreviewView({ p }: { p: Preview }) {
  const byOptimizer = new Map<string, number>();
  for (const c of p.cells) byOptimizer.set(c.optimizer, (byOptimizer.get(c.optimizer) ?? 0) + 1);
  const seeds = p.seeds.length;
  return (
    <div data-testid="preview" class="preview">
      <p>
        <strong>
          <Untrusted text={p.name} />
        </strong>
        : <span data-testid="preview-total">{p.totalTrials}</span> trials ({p.cells.length} cells x{' '}
        {p.checkpoints.length} checkpoint
        {p.checkpoints.length === 1 ? '' : 's'} x {seeds} seed
        {seeds === 1 ? '' : 's'})
      </p>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Checkpoint</th>
            {[...byOptimizer.keys()].map((o) => (
              <th scope="col" key={o}>
                {o}
              </th>
            ))}
            <th scope="col">Trials</th>
          </tr>
        </thead>
        <tbody>
          {p.checkpoints.map((c) => (
            <tr key={c.name}>
              <th scope="row">
                <Untrusted text={c.name} />
                {c.baseline && <span class="badge">baseline</span>}
              </th>
              {[...byOptimizer.values()].map((n, k) => (
                <td key={k}>{n * seeds}</td>
              ))}
              <td>{c.trials}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.refused.length > 0 && (
        <>
          <h3>Refused values</h3>
          <ul data-testid="preview-refused">
            {p.refused.map((r) => (
              <li key={r.path}>
                <code>
                  <Untrusted text={r.path} />
                </code>{' '}
                ({param(r.value)}): <Untrusted text={r.reason} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function NewSweepPage() {
  const text = useSignal('');
  const preview = useSignal<Preview | null>(null);
  const problem = useSignal<{ message: string; issues: ErrorIssue[] } | null>(null);
  const busy = useSignal(false);
  const key = useRef(newKey());
  const seq = useRef(0);

  useEffect(() => {
    key.current = newKey();
    const t = text.value;
    if (!t.trim()) {
      preview.value = null;
      problem.value = null;
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      let spec: unknown;
      try {
        spec = parseSpec(t);
      } catch (e) {
        preview.value = null;
        problem.value = { message: `Not valid YAML or JSON: ${(e as Error).message}`, issues: [] };
        return;
      }
      try {
        const p = await api.preview(spec);
        if (mine !== seq.current) return;
        preview.value = p;
        problem.value = null;
      } catch (e) {
        if (mine !== seq.current) return;
        preview.value = null;
        problem.value =
          e instanceof ApiError
            ? { message: e.message, issues: e.issues }
            : { message: handleError(e), issues: [] };
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [text.value]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy.value) return;
    busy.value = true;
    try {
      const r = await api.submit(parseSpec(text.value), key.current);
      navigate(`/sweeps/${r.id}`);
    } catch (err) {
      problem.value =
        err instanceof ApiError
          ? { message: err.message, issues: err.issues }
          : { message: (err as Error).message, issues: [] };
    } finally {
      busy.value = false;
    }
  };

  const upload = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) text.value = (await f.text()).slice(0, 1024 * 1024);
  };

  return (
    <section>
      <h1>New sweep</h1>
      <form onSubmit={submit} class="new-sweep">
        <label for="spec">Sweep file (YAML or JSON; see docs/sweep-file.md for the format)</label>
        <textarea
          id="spec"
          data-testid="spec-input"
          rows={18}
          spellcheck={false}
          value={text.value}
          onInput={(e) => {
            text.value = (e.target as HTMLTextAreaElement).value;
          }}
        />
        <label>
          or upload a file:{' '}
          <input type="file" data-testid="spec-file" accept=".yaml,.yml,.json" onChange={upload} />
        </label>
        {problem.value && (
          <div class="error" role="alert" data-testid="preview-error">
            <p>
              <Untrusted text={problem.value.message} />
            </p>
            {problem.value.issues.length > 0 && (
              <ul>
                {problem.value.issues.map((i) => (
                  <li key={i.path} data-testid="error-path" data-path={i.path}>
                    <code>
                      <Untrusted text={i.path} />
                    </code>
                    : <Untrusted text={i.message} />
                    {i.value !== undefined && (
                      <>
                        {' '}
                        (got <Untrusted text={JSON.stringify(i.value)} />)
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {preview.value && <PreviewView p={preview.value} />}
        {scope.value === 'write' ? (
          <button type="submit" data-testid="submit" disabled={busy.value || !preview.value}>
            Submit sweep
          </button>
        ) : (
          <p class="muted">This key may only read: it can preview but not submit.</p>
        )}
      </form>
    </section>
  );
}
