/** docker compose cannot run here, so its file is checked by reading it: services, wiring and commands. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/stack.ts';

const compose = parse(readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8'));
const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8'));

describe('docker-compose.yml', () => {
  it('has postgres, redis, api and worker', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'api', 'worker', 'migrate']),
    );
  });
  it('points the API and worker at the compose services', () => {
    for (const s of ['api', 'worker']) {
      expect(compose.services[s].environment.DATABASE_URL).toBe(
        'postgresql://postgres@postgres:5432/sweeps',
      );
      expect(compose.services[s].environment.REDIS_URL).toBe('redis://redis:6379');
      expect(compose.services[s].depends_on.migrate.condition).toBe(
        'service_completed_successfully',
      );
    }
  });
  it('runs npm scripts that exist', () => {
    for (const s of ['api', 'worker', 'migrate']) {
      const [bin, run, script] = compose.services[s].command;
      expect([bin, run]).toEqual(['npm', 'run']);
      expect(pkg.scripts[script]).toBeDefined();
    }
  });
  it('gives workers more stop time than their grace period', () => {
    const grace = Number(compose.services.worker.command.at(-1));
    expect(Number.parseInt(compose.services.worker.stop_grace_period, 10)).toBeGreaterThan(grace);
  });
});

describe('npm scripts', () => {
  // npm runs `pre<name>` and `post<name>` around `npm run <name>`: a script named `pretrain` made every `npm run
  // train` start a pretraining job first. Only the lifecycle hooks meant as such are allowed.
  const intended = new Set(['postinstall']);
  const manifests = [
    'package.json',
    ...['packages', 'apps'].flatMap((dir) =>
      readdirSync(`${REPO_ROOT}${dir}`)
        .map((name) => `${dir}/${name}/package.json`)
        .filter((p) => existsSync(`${REPO_ROOT}${p}`)),
    ),
  ];

  it.each(manifests)(
    "%s has no script that npm would run as another one's pre- or post-hook",
    (file) => {
      const scripts = Object.keys(
        JSON.parse(readFileSync(`${REPO_ROOT}${file}`, 'utf8')).scripts ?? {},
      );
      const hooks = scripts.filter(
        (s) =>
          !intended.has(s) &&
          ['pre', 'post'].some((p) => s.startsWith(p) && scripts.includes(s.slice(p.length))),
      );
      expect(hooks).toEqual([]);
    },
  );
});
