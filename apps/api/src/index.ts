/** `@sweeps/api`'s public entry: the fastify app (for embedding and tests) and its settings. */
export { buildApp, type AppOptions } from './app.ts';
export { ApiEnvSchema, readApiEnv, type ApiEnv } from './env.ts';
export type { ApiDeps } from './services/deps.ts';
