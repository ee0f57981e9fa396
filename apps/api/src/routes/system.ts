/** Workers (authenticated), health and Prometheus metrics (public, for probes and scrapers). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ErrorBodySchema,
  HealthSchema,
  TextSchema,
  WorkerListSchema,
} from '@sweeps/api-client/schemas';
import type { Authenticator } from '../auth.ts';
import { RETRY_AFTER_S } from '../error-handler.ts';
import type { ApiDeps } from '../services/deps.ts';
import { health, prometheusText } from '../services/ops-service.ts';
import { workersView } from '../services/read-service.ts';

export function workerRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/workers',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['workers'],
          summary: 'Workers seen recently, their slots and what they run',
          response: { 200: WorkerListSchema, '4xx': ErrorBodySchema },
        },
      },
      async () => workersView(deps),
    );
  };
}

export function opsRoutes(deps: ApiDeps, auth: Authenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['ops'],
          summary: 'Checks PostgreSQL and Redis (each within 2 s); error text only with an API key',
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (req, reply) => {
        const h = await health(deps, (await auth.optional(req)) !== null);
        if (!h.ok) reply.header('retry-after', String(RETRY_AFTER_S));
        return reply.status(h.ok ? 200 : 503).send(h);
      },
    );
    app.get(
      '/metrics',
      { schema: { tags: ['ops'], summary: 'Prometheus metrics', response: { 200: TextSchema } } },
      async (_req, reply) =>
        reply.type('text/plain; version=0.0.4').send(await prometheusText(deps)),
    );
  };
}
