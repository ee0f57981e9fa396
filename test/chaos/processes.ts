/**
 * What runs on this machine, read from /proc: to tell whether a test left a process behind, by process group
 * (each trial runs in a group of its own, led by the trainer) or by a marker in its command line.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  pgid: number;
  state: string;
  cmdline: string;
}

/** Every live process (zombies are dead: they only wait to be reaped). */
export function liveProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const state = fields[0]!;
      if (state === 'Z' || state === 'X') continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      out.push({ pid: Number(name), pgid: Number(fields[2]), state, cmdline });
    } catch {
      // it exited while we looked
    }
  }
  return out;
}

/** Live processes in one of `groups`, or whose command line holds one of `markers`. */
export function processesLeft(groups: Iterable<number>, markers: string[]): ProcessInfo[] {
  const pgids = new Set(groups);
  return liveProcesses().filter(
    (p) => pgids.has(p.pgid) || pgids.has(p.pid) || markers.some((m) => p.cmdline.includes(m)),
  );
}

export function isAlive(pid: number): boolean {
  return liveProcesses().some((p) => p.pid === pid);
}
