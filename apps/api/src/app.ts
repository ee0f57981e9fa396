/** Builds the fastify app: zod validation, OpenAPI at /docs, auth, rate limit, routes, one error handler. */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { Authenticator, installAuth, rateLimitBucket } from './auth.ts';
import { FailureLimiter } from './failure-limiter.ts';
import { createKeyResolver, KEY_CACHE_SIZE } from './key-resolver.ts';
import { installErrorHandler } from './error-handler.ts';
import { installJsonBodyParser } from './json-body.ts';
import { eventRoutes } from './routes/events.ts';
import { logAndParserRoutes } from './routes/logs-and-parsers.ts';
import { opsRoutes, workerRoutes } from './routes/system.ts';
import { sweepRoutes } from './routes/sweeps.ts';
import { findLiveSession } from '@sweeps/db';
import type { ApiDeps } from './services/deps.ts';
import { bodyThreadsOf } from './services/body-threads.ts';
import { EventHub } from './services/event-hub.ts';
import { talliesOf } from './services/grid-tally.ts';
import { readsOf } from './services/interval-reads.ts';
import { installSession, sessionCookies, sessionRoutes } from './session.ts';
import { installDashboard } from './static.ts';
import type { TrustProxy } from './trust-proxy.ts';

export interface AppOptions {
  logLevel: string;
  rateLimitPerMin: number;
  /** Failed authentications per client address and minute before it gets 429 (default 30). */
  authFailuresPerMin?: number;
  /** How long a key lookup is trusted (default KEY_CACHE_MS, 5 s): the delay before a revocation bites. */
  keyCacheMs?: number;
  /** fastify's `trustProxy` (SWEEPS_TRUST_PROXY): who may name the client in X-Forwarded-For (default: nobody). */
  trustProxy?: TrustProxy;
  /** How often an open event stream re-checks its key or session (SWEEPS_SSE_RECHECK_MS, default 2 s). */
  sseRecheckMs?: number;
  /** Where the event stream LISTENs; without it there is no /events route. */
  databaseUrl?: string;
  /** See env.ts: SWEEPS_SESSION_SECRET, SWEEPS_SESSION_TTL_S, SWEEPS_SSE_HEARTBEAT_MS. */
  sessionSecret?: string;
  sessionTtlSeconds?: number;
  sseHeartbeatMs?: number;
  /** Time limit of one parser check (SWEEPS_PARSER_CHECK_TIMEOUT_MS, default 5 s) and its threads. */
  parserCheckTimeoutMs?: number;
  parserCheckThreads?: number;
  /** The built dashboard; default apps/dashboard/dist. */
  dashboardDir?: string;
}

const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

export async function buildApp(deps: ApiDeps, opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: opts.logLevel },
    bodyLimit: 1024 * 1024,
    trustProxy: opts.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  const session = { secret: opts.sessionSecret, ttlSeconds: opts.sessionTtlSeconds ?? 8 * 3600 };
  const cookies = sessionCookies(session.secret);
  installSession(app, cookies); // a signed session cookie becomes the request's credential, before auth
  installJsonBodyParser(app);
  // Authentication runs first (onRequest, before the body is read); the rate limit's own onRequest hook runs
  // after it (route-level hooks follow application-level ones), so it counts per verified key (per session for a
  // signed-in dashboard: a team's pages often share one read key, and each open page re-reads as its sweep runs),
  // or per address for public routes. Failed authentications are limited per address by the auth hook itself, after the key
  // is checked: a valid key is never refused for its address's failures.
  const keys = createKeyResolver(deps.db, KEY_CACHE_SIZE, opts.keyCacheMs);
  const auth = new Authenticator(keys, new FailureLimiter(opts.authFailuresPerMin ?? 30), (token) =>
    findLiveSession(deps.db, token),
  );
  installAuth(app, auth);
  await app.register(rateLimit, {
    max: opts.rateLimitPerMin,
    timeWindow: 60_000,
    keyGenerator: rateLimitBucket,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      message: `Too many requests: at most ${ctx.max} a minute per API key (per dashboard sign-in); retry in ${ctx.after}.`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'sweeps API',
        version: '1',
        description:
          'Hyperparameter sweeps for fine-tuning detectors: submit a grid, read mAP grids and best settings.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addHook('onClose', async () => bodyThreadsOf(deps).close());
  await app.register(sweepRoutes(deps), { prefix: '/api/v1' });
  await app.register(workerRoutes(deps), { prefix: '/api/v1' });
  await app.register(
    logAndParserRoutes(deps, {
      timeoutMs: opts.parserCheckTimeoutMs,
      threads: opts.parserCheckThreads,
    }),
    { prefix: '/api/v1' },
  );
  await app.register(opsRoutes(deps, auth));
  await app.register(sessionRoutes(deps.db, session, cookies, auth), { prefix: '/api/v1' });
  if (opts.databaseUrl) {
    const hub = new EventHub(deps.db, opts.databaseUrl, app.log, readsOf(deps).intervalMs);
    hub.follow(talliesOf(deps)); // the grid's per-cell counts follow the events from now on
    app.addHook('preClose', async () => hub.close());
    const streams = {
      heartbeatMs: opts.sseHeartbeatMs ?? 15_000,
      recheckMs: opts.sseRecheckMs ?? 2_000,
      recheck: (req: FastifyRequest) => auth.recheck(req),
    };
    await app.register(eventRoutes(deps, hub, streams), { prefix: '/api/v1' });
  }
  installDashboard(app, opts.dashboardDir ?? DEFAULT_DASHBOARD_DIR);
  return app;
}
