export * from './client.ts';
export * from './env.ts';
export * from './migrate.ts';
export * from './sweep-store.ts';
export * from './trial-store.ts';
export * from './results.ts';
export * from './worker-store.ts';
export * from './api-key-store.ts';
