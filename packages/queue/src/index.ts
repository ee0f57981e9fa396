export * from './names.ts';
export * from './payload.ts';
export * from './connection.ts';
export * from './producer.ts';
export * from './consumer.ts';
export * from './job-lock.ts';
export {
  DelayedError,
  UnrecoverableError,
  WaitingError,
  type Job,
  type Queue,
  type Worker,
} from 'bullmq';
export type { Redis } from 'ioredis';
export * from './trial-log.ts';
export * from './env.ts';
export * from './path-probe.ts';
