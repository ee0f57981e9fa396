/** Builds the fastify app: zod validation, OpenAPI at /docs, auth, rate limit, routes, one error handler. */
import Fastify, { type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { createKeyResolver, bearerToken, installAuth } from './auth.ts';
import { installErrorHandler } from './error-handler.ts';
import { logAndParserRoutes } from './routes/logs-and-parsers.ts';
import { opsRoutes, workerRoutes } from './routes/system.ts';
import { sweepRoutes } from './routes/sweeps.ts';
import type { ApiDeps } from './services/deps.ts';

export interface AppOptions {
  logLevel: string;
  rateLimitPerMin: number;
}

export async function buildApp(deps: ApiDeps, opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: opts.logLevel }, bodyLimit: 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(rateLimit, {
    max: opts.rateLimitPerMin,
    timeWindow: 60_000,
    keyGenerator: (req) => bearerToken(req) ?? req.ip,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      message: `Too many requests: at most ${ctx.max} a minute per API key; retry in ${ctx.after}.`,
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
  installAuth(app, createKeyResolver(deps.db));
  await app.register(sweepRoutes(deps), { prefix: '/api/v1' });
  await app.register(workerRoutes(deps), { prefix: '/api/v1' });
  await app.register(logAndParserRoutes(deps), { prefix: '/api/v1' });
  await app.register(opsRoutes(deps));
  return app;
}
