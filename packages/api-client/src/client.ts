/**
 * Fetch helpers for the sweeps API, typed from the route schemas (types only: nothing here loads zod, so the
 * dashboard's bundle stays small). Used by the CLI (a key as bearer) and the dashboard (a session cookie).
 */
import type {
  BestTable,
  CancelResult,
  ErrorIssue,
  ExtendResult,
  Grid,
  GridValue,
  Preview,
  RetryResult,
  Session,
  SubmitResult,
  Sweep,
  SweepList,
  Trial,
  TrialPage,
  WorkerList,
} from './schemas.ts';

/** A refused or failed request: the HTTP status (0 when the API was not reached), message and paths at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: ErrorIssue[] = [],
    readonly code = '',
    /** Seconds the API asked to wait before trying again (its Retry-After header, on 429 and 503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A Retry-After header's seconds (the delay form; a date is not sent by this API), or undefined. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

export interface ClientOptions {
  /** Where the API is; '' in the browser (same origin). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; without it the browser's session cookie is sent. */
  apiKey?: string;
  /** Says what to do when no key and no cookie could be sent (the CLI's hint). */
  missingKeyMessage?: string;
  /** Added to the message when the API cannot be reached. */
  unreachableHint?: string;
}

export interface TrialFilter {
  state?: string;
  checkpoint?: string;
  optimizer?: string;
  lr?: number;
  weightDecay?: number;
  cursor?: string;
  limit?: number;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const sweepPath = (id: string) => `/api/v1/sweeps/${encodeURIComponent(id)}`;

export class SweepsClient {
  private readonly opts: ClientOptions;
  constructor(opts: ClientOptions) {
    this.opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
  }

  /** The raw text of a response; throws ApiError for anything but 2xx. */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<string> {
    if (!this.opts.apiKey && this.opts.missingKeyMessage)
      throw new ApiError(0, this.opts.missingKeyMessage);
    let res: Response;
    try {
      res = await fetch(`${this.opts.baseUrl}${path}`, {
        method,
        credentials: 'same-origin',
        headers: {
          ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const e = err as Error & { cause?: unknown };
      throw new ApiError(
        0,
        `Cannot reach the sweeps API at ${this.opts.baseUrl || 'this address'} (${e.cause ?? e.message}).${
          this.opts.unreachableHint ? ` ${this.opts.unreachableHint}` : ''
        }`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: { error?: { code?: string; message?: string; issues?: ErrorIssue[] } } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      throw new ApiError(
        res.status,
        parsed.error?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
        parsed.error?.issues ?? [],
        parsed.error?.code ?? '',
        retryAfterSeconds(res.headers.get('retry-after')),
      );
    }
    return text;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const text = await this.raw(method, path, body, headers);
    return (text ? JSON.parse(text) : {}) as T;
  }

  listSweeps(opts: { limit?: number; before?: string } = {}) {
    return this.request<SweepList>('GET', `/api/v1/sweeps${query(opts)}`);
  }
  sweep(id: string) {
    return this.request<Sweep>('GET', sweepPath(id));
  }
  grid(id: string, value: GridValue = 'final') {
    return this.request<Grid>(
      'GET',
      `${sweepPath(id)}/grid${value === 'final' ? '' : query({ value })}`,
    );
  }
  best(id: string, value: GridValue = 'final') {
    return this.request<BestTable>(
      'GET',
      `${sweepPath(id)}/best${value === 'final' ? '' : query({ value })}`,
    );
  }
  trials(id: string, f: TrialFilter = {}) {
    return this.request<TrialPage>('GET', `${sweepPath(id)}/trials${query({ ...f })}`);
  }
  /**
   * One trial with one page of the epochs of one lease (default its latest; `page.from`: a page's `epochsNextFrom`;
   * default the first 1,000).
   */
  trial(id: string, trialId: string, lease?: number, page: { from?: number; limit?: number } = {}) {
    const q = query({ lease, epochs_from: page.from, epochs_limit: page.limit });
    const path = `${sweepPath(id)}/trials/${encodeURIComponent(trialId)}${q}`;
    return this.request<Trial>('GET', path);
  }
  exportText(id: string, format: 'csv' | 'md', table: 'best' | 'grid', value?: GridValue) {
    return this.raw('GET', `${sweepPath(id)}/export${query({ format, table, value })}`);
  }
  preview(spec: unknown) {
    return this.request<Preview>('POST', '/api/v1/sweeps/preview', spec);
  }
  submit(spec: unknown, idempotencyKey?: string) {
    return this.request<SubmitResult>(
      'POST',
      '/api/v1/sweeps',
      spec,
      idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    );
  }
  cancel(id: string) {
    return this.request<CancelResult>('POST', `${sweepPath(id)}/cancel`);
  }
  retryFailed(id: string) {
    return this.request<RetryResult>('POST', `${sweepPath(id)}/retry-failed`);
  }
  extend(id: string, more: unknown) {
    return this.request<ExtendResult>('POST', `${sweepPath(id)}/extend`, more);
  }
  workers() {
    return this.request<WorkerList>('GET', '/api/v1/workers');
  }
  /** Exchanges a key for the browser's session cookie. */
  signIn(key: string) {
    return this.request<Session>('POST', '/api/v1/session', { key });
  }
  session() {
    return this.request<Session>('GET', '/api/v1/session');
  }
  signOut() {
    return this.raw('DELETE', '/api/v1/session');
  }
}
