export * from './reconcile.ts';
