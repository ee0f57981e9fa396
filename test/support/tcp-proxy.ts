/**
 * A TCP proxy in front of PostgreSQL or Redis that a test can cut: while cut, open connections are destroyed and
 * new ones are dropped as soon as they arrive (the service looks unreachable); `restore` lets them through again.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  /** How many times `cut` was called. */
  cuts = 0;
  /** The addresses connections came from (the multi-host bed checks each host reached the services over its link). */
  readonly peers = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens on a free port of `listenHost` (default 127.0.0.1) and forwards to `target` (`host:port`). */
  static async start(
    targetHost: string,
    targetPort: number,
    listenHost = '127.0.0.1',
  ): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = createServer((client) => proxy.accept(client, targetHost, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, listenHost, resolve);
    });
    proxy = new TcpProxy(server, listenHost, (server.address() as { port: number }).port);
    return proxy;
  }

  /** `url` with its host and port replaced by this proxy's. */
  through(url: string): string {
    const u = new URL(url);
    u.hostname = this.host;
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: Socket, host: string, port: number): void {
    if (client.remoteAddress) this.peers.add(client.remoteAddress.replace(/^::ffff:/, ''));
    if (this.isCut) return void client.destroy();
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Makes the service unreachable: every connection through the proxy ends now, new ones are refused. */
  cut(): void {
    this.isCut = true;
    this.cuts++;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
