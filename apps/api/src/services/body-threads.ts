/**
 * One thread per API that makes the large shared bodies (the grid's) off the event loop: reads stay answered
 * while a 5,000-cell grid is built, serialised and compressed (about 150 ms of CPU on a quiet core, several
 * times that on a busy one). One thread is enough: a body is made at most once per read interval per sweep and
 * view (IntervalReads), and on a machine with few cores more threads would only take CPU from the trials.
 */
import { Piscina } from 'piscina';
import type { ApiDeps } from './deps.ts';
import type { BodyBytes, PackedGridInputs } from './grid-body.ts';
import { SharedJson } from './shared-json.ts';

const THREAD_FILE = new URL('./grid-body-thread.mjs', import.meta.url).href;

/** A Uint8Array that crossed the thread boundary, as a Buffer over the same memory. */
function asBuffer(a: Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export class BodyThreads {
  private pool: Piscina | null = null;

  /** Starts the thread (a new thread takes a second or more to load its modules); else the first grid does. */
  start(): Piscina {
    this.pool ??= new Piscina({ filename: THREAD_FILE, minThreads: 1, maxThreads: 1 });
    return this.pool;
  }

  /** The grid made from `inputs` in the thread, as a shared body. */
  async grid(inputs: PackedGridInputs): Promise<SharedJson> {
    const out = (await this.start().run(inputs)) as BodyBytes;
    return SharedJson.fromBytes(asBuffer(out.bytes), out.gz && asBuffer(out.gz));
  }

  /** Stops the thread (a later grid starts it again). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}

const perApi = new WeakMap<ApiDeps, BodyThreads>();

/** The API's body thread (per deps, so apps built by tests never share one). */
export function bodyThreadsOf(deps: ApiDeps): BodyThreads {
  let threads = perApi.get(deps);
  if (!threads) perApi.set(deps, (threads = new BodyThreads()));
  return threads;
}
