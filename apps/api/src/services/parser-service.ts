/**
 * `POST /api/v1/parsers/check`: what a parser extracts from a posted sample, and whether the metric is there.
 *
 * Checks run in a small pool of worker threads (piscina), never on the API's event loop: a 1 MiB sample takes
 * up to a second to parse, and meanwhile every other request (and `/healthz`) is answered. Each check has a time
 * limit counted from the moment a thread starts it (a thread still busy then is stopped, and the client gets 422)
 * and the queue of waiting checks is short (beyond it, 429). Patterns run on RE2, linear in the sample.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { DomainError } from '@sweeps/core';
import type { LogCheck } from '@sweeps/trainer-mmdet/spec';
import type { ParserCheckInput, ParserCheckOutcome } from './parser-check-task.ts';

/** Largest sample (characters), as the request schema and its 400 say. */
export const MAX_SAMPLE_CHARS = 1024 * 1024;

/** Most lines in one sample (`\n`, `\r\n` or `\r` end a line). */
export const MAX_SAMPLE_LINES = 50_000;

/** Default time limit of one check once a thread runs it (SWEEPS_PARSER_CHECK_TIMEOUT_MS). */
export const PARSER_CHECK_TIMEOUT_MS = 5_000;

/** Checks that may wait for a thread; one more is refused with 429. */
export const MAX_WAITING_CHECKS = 8;

/** Memory one thread may use; a check that needs more is refused with 422. */
const THREAD_HEAP_MB = 256;

const THREAD_FILE = new URL('./parser-check-thread.mjs', import.meta.url).href;

export interface ParserCheckOptions {
  /** Time limit of one check in ms (default {@link PARSER_CHECK_TIMEOUT_MS}). */
  timeoutMs?: number | undefined;
  /** Threads (default: the cores less one, 1 to 4). */
  threads?: number | undefined;
}

/**
 * The pool of parser check threads of one app; started on the first check, stopped by {@link close}. A new thread
 * takes a second or two to load its modules; piscina gives a check only to a thread that has, and the check's
 * time limit starts when the thread tells it has begun (so a slow start never counts against the sample).
 */
export class ParserChecker {
  private pool: Piscina | null = null;
  readonly timeoutMs: number;
  private readonly threads: number;

  constructor(opts: ParserCheckOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? PARSER_CHECK_TIMEOUT_MS;
    this.threads = opts.threads ?? Math.min(4, Math.max(1, availableParallelism() - 1));
  }

  private started(): Piscina {
    this.pool ??= new Piscina({
      filename: THREAD_FILE,
      minThreads: 1,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      maxQueue: MAX_WAITING_CHECKS,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
      // Below the event loop's priority: on a machine whose cores are all busy, requests are served first.
      niceIncrement: 10,
    });
    return this.pool;
  }

  /** Runs one check in a thread; DomainErrors for a bad parser (400), a full queue (429) or the time limit (422). */
  async check(input: ParserCheckInput): Promise<LogCheck> {
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    port1.once('message', () => {
      timer = setTimeout(() => abort.abort(), this.timeoutMs);
    });
    port1.unref();
    let outcome: ParserCheckOutcome;
    try {
      outcome = await this.started().run(
        { ...input, started: port2 },
        { transferList: [port2], signal: abort.signal },
      );
    } catch (err) {
      throw this.failure(err);
    } finally {
      port1.close();
      clearTimeout(timer);
    }
    if (!outcome.ok) throw new DomainError(outcome.code, outcome.message, outcome.issues);
    return outcome.check;
  }

  private failure(err: unknown): Error {
    const e = err as Error & { code?: string };
    if (e.name === 'AbortError')
      return new DomainError(
        'PARSER_CHECK_TOO_COSTLY',
        `The parser check did not finish within ${this.timeoutMs / 1000} s and was stopped: try a shorter sample or a simpler pattern.`,
      );
    if (e.code === 'ERR_WORKER_OUT_OF_MEMORY')
      return new DomainError(
        'PARSER_CHECK_TOO_COSTLY',
        `The parser check needed more than ${THREAD_HEAP_MB} MB and was stopped: try a shorter sample.`,
      );
    if (e.message === 'Task queue is at limit')
      return new DomainError(
        'RATE_LIMITED',
        `${MAX_WAITING_CHECKS} parser checks are already waiting; retry in a few seconds.`,
      );
    return e;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}
