/**
 * A stack spread over network hosts ({@link NetnsBed}): the API on host `api`, one worker daemon per worker host
 * (`w1`, `w2`, …), each with its own `SWEEPS_DATA_DIR` (no shared storage) and worker id, PostgreSQL and Redis
 * reached over each host's link through the bed's forwarders. The test process plays the user: it reads the API
 * at the API host's address, over that host's link. Faults: cut and restore a host's link, kill a host, restart
 * the API.
 */
import { mkdirSync } from 'node:fs';
import { REPO_ROOT, Stack, type StartedProcess, startProcess } from './stack.ts';
import { NetnsBed } from './netns-bed.ts';
import { waitFor } from './wait-for.ts';

const API_PORT = 8080; // a host has its own ports: every bed's API listens on 8080 of its own address

export interface HostStackOptions {
  /** Worker hosts (`w1` … `wN`). */
  workers: number;
  /** Slots of each worker. Default 1. */
  slots?: number;
  apiEnv?: NodeJS.ProcessEnv;
  workerEnv?: NodeJS.ProcessEnv;
  /**
   * Runs once the bed exists, before any process starts (to forward more services to the hosts,
   * {@link NetnsBed.forward}); what it returns is added to every worker's environment.
   */
  prepareHosts?: (bed: NetnsBed) => Promise<NodeJS.ProcessEnv>;
}

export class HostStack extends Stack {
  bed!: NetnsBed;
  /** The worker running on each worker host, by host name (the latest one started there). */
  readonly onHost = new Map<string, StartedProcess>();
  workerHosts: string[] = [];
  private opts!: HostStackOptions;

  /** A worker host's data directory: its own, as on a machine of its own. */
  dataDir(host: string): string {
    return `${REPO_ROOT}.data/${this.prefix}/${host}`;
  }

  /** The worker id of host `host`'s worker. */
  workerId(host: string): string {
    return `${host}-${this.prefix}`;
  }

  /** The environment of a process on host `host`: services through the bed, that host's data directory. */
  hostEnv(host: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    mkdirSync(this.dataDir(host), { recursive: true });
    return this.env({
      DATABASE_URL: this.bed.serviceUrl('postgres', this.databaseUrl),
      REDIS_URL: this.bed.serviceUrl('redis', this.redisUrl),
      SWEEPS_DATA_DIR: this.dataDir(host),
      // the API and the workers agree on when a silent worker is lost (a dead host's id is free again after it)
      SWEEPS_WORKER_LOST_MS: '5000',
      ...extra,
    });
  }

  override async start(opts: HostStackOptions): Promise<this> {
    this.opts = opts;
    this.workerHosts = Array.from({ length: opts.workers }, (_, i) => `w${i + 1}`);
    this.bed = await NetnsBed.create(['api', ...this.workerHosts]);
    const prepared = (await opts.prepareHosts?.(this.bed)) ?? {};
    this.opts = { ...opts, workerEnv: { ...prepared, ...opts.workerEnv } };
    await this.prepareDatabase();
    this.baseUrl = `http://${this.bed.host('api').address}:${API_PORT}`;
    await this.startApi();
    await Promise.all(this.workerHosts.map((h) => this.startHostWorker(h)));
    return this;
  }

  /** Starts the API on its host and waits until it answers there. */
  async startApi(): Promise<StartedProcess> {
    this.api = startProcess(
      'api',
      ['apps/api/src/main.ts'],
      this.hostEnv('api', {
        HOST: this.bed.host('api').address,
        PORT: String(API_PORT),
        SWEEPS_RECONCILE_MS: '1000',
        ...this.opts.apiEnv,
      }),
      this.bed.launcher('api'),
    );
    const api = this.api;
    const ready = await waitFor(
      'the API to answer /healthz on its host',
      async () =>
        api.child.exitCode !== null ? 'exited' : (await fetch(`${this.baseUrl}/healthz`)).ok,
      60_000,
    );
    if (ready === 'exited') throw new Error(`the API exited: ${api.output.join('\n')}`);
    return api;
  }

  /** Stops the API (SIGKILL: a crash, nothing handed over) and starts it again on the same host and port. */
  async restartApi(): Promise<StartedProcess> {
    const old = this.api!;
    const exited = new Promise<void>((resolve) => old.child.once('exit', () => resolve()));
    process.kill(-old.child.pid!, 'SIGKILL');
    await exited;
    return this.startApi();
  }

  /** Starts the worker of host `host` (its own id and data directory) and waits until it is ready. */
  async startHostWorker(
    host: string,
    opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {},
  ): Promise<StartedProcess> {
    const id = this.workerId(host);
    const w = startProcess(
      host,
      [
        'apps/worker/src/main.ts',
        '--slots',
        String(this.opts.slots ?? 1),
        '--id',
        id,
        '--grace',
        '30',
        ...(opts.args ?? []),
      ],
      this.hostEnv(host, {
        SWEEPS_HEARTBEAT_MS: '1000',
        SWEEPS_WORKER_ALLOW_COMMANDS: 'node',
        SWEEPS_WORKER_RUN_AS: 'off',
        // the trainer learns which host it runs on (its journal says so)
        BED_HOST: host,
        SWEEPS_WORKER_PASS_ENV: 'BED_HOST',
        ...this.opts.workerEnv,
        ...opts.env,
      }),
      this.bed.launcher(host),
    );
    this.workers.push(w);
    this.onHost.set(host, w);
    const ready = await waitFor(
      `worker ${id} to be ready on host ${host}`,
      async () =>
        w.child.exitCode !== null ? 'exited' : w.output.some((l) => l.includes('ready with')),
      90_000,
    );
    if (ready === 'exited') throw new Error(`worker ${id} exited: ${w.output.join('\n')}`);
    return w;
  }

  /** The host whose worker has id `workerId`. */
  hostOf(workerId: string): string | undefined {
    return this.workerHosts.find((h) => this.workerId(h) === workerId);
  }

  override logs(): string {
    return `${super.logs()}\n--- bed ${this.bed?.subnet}.0/24: ${[
      ...(this.bed?.hosts.values() ?? []),
    ]
      .map((h) => `${h.name}=${h.address}${this.bed.isUp(h.name) ? '' : ' (cut)'}`)
      .join(' ')}`;
  }

  override async stop(): Promise<void> {
    try {
      await super.stop();
    } finally {
      await this.bed?.destroy();
    }
  }
}
