/**
 * The CLI's client: the shared one of packages/api-client (typed from the API's response schemas), with the
 * CLI's hints. Errors carry the API's message and paths, ready to print.
 */
import { SweepsClient } from '@sweeps/api-client/client';

export { ApiError } from '@sweeps/api-client/client';

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
}

export class ApiClient extends SweepsClient {
  constructor(opts: ClientOptions) {
    super({
      ...opts,
      missingKeyMessage:
        'No API key: set SWEEPS_API_KEY or pass --api-key (create one with `sweeps keys create --scope write`).',
      unreachableHint: 'Is `npm run api` running? Set SWEEPS_API_URL to point elsewhere.',
    });
  }
}
