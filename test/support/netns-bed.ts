/**
 * Network hosts on one machine, for the multi-host suites: each host is a Linux network namespace with one veth
 * link to a bridge in the root namespace, all on a private /24 of 10.0.0.0/8 chosen per run (the bridge holds .1,
 * host i holds .(10 + i)). PostgreSQL and Redis stay where they are (127.0.0.1 of the root namespace): the bed
 * starts a TCP forwarder for each, bound to the bridge's address only, so a host reaches them over its own link and
 * nothing else. Faults: `cut` takes a host's link down (its connections hang, as a pulled cable does), `restore`
 * brings it back. Needs root and iproute2 (`ip netns`, veth, bridge); where the kernel or the container refuses
 * them, `NetnsBed.create` fails with the command and its error.
 *
 * Names carry this process's pid and a random tag (`sweeps-<pid>-<tag>-<host>`, links `sw<tag>…`), so parallel runs
 * never clash; a run killed before its cleanup leaves namespaces that the next bed removes (their pid is gone).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { TcpProxy } from './tcp-proxy.ts';

/** Runs `ip <args>`; on failure throws with the command line and what `ip` said. */
export function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    const said =
      e.code === 'ENOENT' ? 'ip: command not found (install iproute2)' : e.stderr?.trim();
    throw new Error(`\`ip ${args.join(' ')}\` failed: ${said || e.message}`);
  }
}

export interface BedHost {
  /** The name the suite gives it (`api`, `w1`, …). */
  name: string;
  /** Its network namespace. */
  ns: string;
  /** Its address on the bed's /24. */
  address: string;
  /** Its veth's end in the root namespace (on the bridge): `cut` takes it down. */
  link: string;
}

const NS_PATTERN = /^sweeps-(\d+)-([0-9a-f]{5})-/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** Removes what runs killed before their cleanup left: namespaces of a gone pid, and their bridges. */
function removeStale(): void {
  for (const ns of namespaces()) {
    const m = NS_PATTERN.exec(ns);
    if (!m || pidAlive(Number(m[1]))) continue;
    killNamespace(ns);
    ip('netns', 'delete', ns);
    try {
      ip('link', 'delete', `swb${m[2]}`);
    } catch {
      /* already gone, or removed with an earlier namespace of the same run */
    }
  }
}

/** SIGKILLs every process in namespace `ns` (a host that dies). */
function killNamespace(ns: string): number[] {
  const pids = ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  return pids;
}

/** A free /24 of 10.0.0.0/8: none of this machine's addresses lie in it. */
function freeSubnet(): string {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const [a, b] = randomBytes(2);
    const net = `10.${200 + (a! % 50)}.${b}`;
    if (!used.includes(` ${net}.`)) return net;
  }
  throw new Error('no free 10.x.y.0/24 for the bed: every one tried is in use on this machine');
}

export class NetnsBed {
  readonly hosts = new Map<string, BedHost>();
  /** Forwarders in the root namespace (bridge address) to services of the root namespace, by name. */
  readonly forwarders = new Map<string, TcpProxy>();

  private constructor(
    readonly tag: string,
    readonly subnet: string,
    readonly bridge: string,
  ) {}

  /** The bridge's address: where the hosts find the forwarders. */
  get gateway(): string {
    return `${this.subnet}.1`;
  }

  /**
   * Makes the hosts (names of at most 8 characters) and their links. Namespaces first, then the bridge, then the
   * links: a bridge without a namespace of its run is never left for another run to take as stale while being made.
   */
  static async create(hostNames: string[]): Promise<NetnsBed> {
    if (process.getuid?.() !== 0)
      throw new Error(
        `the multi-host bed needs root to make network namespaces (ip netns add); this runs as uid ${process.getuid?.()}`,
      );
    removeStale();
    const tag = randomBytes(3).toString('hex').slice(0, 5);
    const bed = new NetnsBed(tag, freeSubnet(), `swb${tag}`);
    try {
      hostNames.forEach((name, i) => {
        if (!/^[a-z0-9]{1,8}$/.test(name)) throw new Error(`bad host name ${name}`);
        const host: BedHost = {
          name,
          ns: `sweeps-${process.pid}-${tag}-${name}`,
          address: `${bed.subnet}.${10 + i}`,
          link: `sw${tag}h${i}`,
        };
        ip('netns', 'add', host.ns);
        bed.hosts.set(name, host);
      });
      ip('link', 'add', bed.bridge, 'type', 'bridge');
      ip('addr', 'add', `${bed.gateway}/24`, 'dev', bed.bridge);
      ip('link', 'set', bed.bridge, 'up');
      for (const [i, host] of [...bed.hosts.values()].entries()) {
        const peer = `sx${tag}h${i}`;
        ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', peer);
        ip('link', 'set', host.link, 'master', bed.bridge);
        ip('link', 'set', host.link, 'up');
        ip('link', 'set', peer, 'netns', host.ns);
        const inNs = (...a: string[]) => ip('netns', 'exec', host.ns, 'ip', ...a);
        inNs('link', 'set', peer, 'name', 'eth0');
        inNs('addr', 'add', `${host.address}/24`, 'dev', 'eth0');
        inNs('link', 'set', 'eth0', 'up');
        inNs('link', 'set', 'lo', 'up');
      }
      await bed.forward(
        'postgres',
        process.env.TEST_DATABASE_URL ?? 'postgresql://127.0.0.1:5432/x',
      );
      await bed.forward('redis', process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    } catch (err) {
      await bed.destroy();
      throw new Error(
        `the multi-host bed could not make its network hosts: ${(err as Error).message}. It needs root, iproute2 and a kernel (or container) that allows network namespaces, veth pairs and bridges (docker: --privileged or --cap-add NET_ADMIN SYS_ADMIN).`,
      );
    }
    return bed;
  }

  host(name: string): BedHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in the bed (hosts: ${[...this.hosts.keys()]})`);
    return h;
  }

  /** The command prefix that runs a program on host `name`. */
  launcher(name: string): string[] {
    return ['ip', 'netns', 'exec', this.host(name).ns];
  }

  /**
   * Makes the root namespace's service at `url` (host and port; PostgreSQL and Redis are forwarded from the start)
   * reachable from the hosts as `name`: a forwarder on the bridge's address.
   */
  async forward(name: string, url: string): Promise<TcpProxy> {
    const u = new URL(url);
    const port = Number(u.port || { 'postgresql:': 5432, 'redis:': 6379, 'http:': 80 }[u.protocol]);
    const proxy = await TcpProxy.start(u.hostname, port, this.gateway);
    this.forwarders.set(name, proxy);
    return proxy;
  }

  /** `url` (a service of the root namespace) as host processes reach it: through the bed's forwarder `name`. */
  serviceUrl(name: string, url: string): string {
    const f = this.forwarders.get(name);
    if (!f) throw new Error(`the bed forwards no service ${name} (forward it first)`);
    return f.through(url);
  }

  /** Takes host `name`'s link down: it can reach nothing and nothing reaches it, its connections hang. */
  cut(name: string): void {
    ip('link', 'set', this.host(name).link, 'down');
  }

  restore(name: string): void {
    ip('link', 'set', this.host(name).link, 'up');
  }

  /** Whether host `name`'s link is up (its root-namespace end). */
  isUp(name: string): boolean {
    return /[<,]UP[,>]/.test(ip('-o', 'link', 'show', this.host(name).link));
  }

  /** SIGKILLs every process running on host `name` (the host dies; its namespace and link stay). */
  killAll(name: string): number[] {
    return killNamespace(this.host(name).ns);
  }

  /** Kills what runs on the hosts, removes the namespaces (their veths go with them), the bridge and forwarders. */
  async destroy(): Promise<void> {
    const errors: string[] = [];
    for (const f of this.forwarders.values()) await f.close().catch(() => {});
    for (const h of this.hosts.values()) {
      try {
        killNamespace(h.ns);
        ip('netns', 'delete', h.ns);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    try {
      if (ip('-o', 'link', 'show').includes(` ${this.bridge}:`)) ip('link', 'delete', this.bridge);
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (errors.length) throw new Error(`the bed was not fully removed: ${errors.join('; ')}`);
  }

  /** Whether anything of this bed is still on the machine (namespaces or links), for the cleanup check. */
  leftovers(): string[] {
    const links = ip('-o', 'link', 'show')
      .split('\n')
      .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
      .filter((n) => n.startsWith(`sw${this.tag}`) || n === this.bridge);
    const nss = namespaces().filter((ns) => ns.includes(`-${this.tag}-`));
    return [...nss, ...links];
  }
}
