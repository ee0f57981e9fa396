/** A small client for the sweeps REST API. Errors carry the API's message and paths, ready to print. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Array<{ path: string; message: string; value?: unknown }> = [],
  ) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
}

export class ApiClient {
  constructor(private readonly opts: ClientOptions) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const text = await this.raw(method, path, body, headers);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<string> {
    if (!this.opts.apiKey)
      throw new ApiError(
        0,
        'No API key: set SWEEPS_API_KEY or pass --api-key (create one with `sweeps keys create --scope write`).',
      );
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.opts.apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ApiError(
        0,
        `Cannot reach the sweeps API at ${this.opts.baseUrl} (${(err as Error).cause ?? (err as Error).message}). Is \`npm run api\` running? Set SWEEPS_API_URL to point elsewhere.`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: { error?: { message?: string; issues?: ApiError['issues'] } } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      throw new ApiError(
        res.status,
        parsed.error?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
        parsed.error?.issues ?? [],
      );
    }
    return text;
  }
}
