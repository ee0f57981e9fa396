/** docker compose cannot run here, so its file is checked by reading it: services, wiring and commands. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  it('points the API and worker at the compose services, with the passwords from .env', () => {
    for (const s of ['api', 'worker']) {
      expect(compose.services[s].environment.DATABASE_URL).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, compared as text
        'postgresql://postgres:${POSTGRES_PASSWORD}@postgres:5432/sweeps',
      );
      expect(compose.services[s].environment.REDIS_URL).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, compared as text
        'redis://:${REDIS_PASSWORD}@redis:6379',
      );
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

describe('docker-compose.yml defaults are safe', () => {
  const text = readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8');

  it('publishes every port on 127.0.0.1 unless a bind address is set', () => {
    const published = Object.entries(compose.services).flatMap(([name, svc]) =>
      ((svc as { ports?: string[] }).ports ?? []).map((p) => ({ name, p })),
    );
    expect(published.map((x) => x.name).sort()).toEqual(['api', 'postgres', 'redis']);
    for (const { p } of published)
      expect(p).toMatch(/^\$\{SWEEPS_(API_)?BIND_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
  });

  it('has no trust authentication; PostgreSQL and Redis require passwords that compose insists on', () => {
    expect(text).not.toMatch(/trust/i);
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(
      /^\$\{POSTGRES_PASSWORD:\?/,
    );
    const redis = compose.services.redis.command as string[];
    expect(redis[redis.indexOf('--requirepass') + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, compared as text
    expect(compose.services.redis.environment.REDISCLI_AUTH).toBe('${REDIS_PASSWORD}');
    expect(compose.services.api.environment.SWEEPS_SESSION_SECRET).toMatch(
      /^\$\{SWEEPS_SESSION_SECRET:\?/,
    );
  });

  it('.env.example names every variable compose reads, and make-env fills the secrets with random values', () => {
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]));
    const example = readFileSync(`${REPO_ROOT}.env.example`, 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect([...used].filter((v) => !defined.has(v))).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'sweeps-env-'));
    const made = () =>
      execFileSync(process.execPath, [`${REPO_ROOT}scripts/make-env.mjs`, '--out', `${dir}/.env`], {
        stdio: 'pipe',
      });
    made();
    const env = Object.fromEntries(
      [...readFileSync(`${dir}/.env`, 'utf8').matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    for (const v of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SWEEPS_SESSION_SECRET'])
      expect(env[v]).toMatch(/^[0-9a-f]{48}$/);
    expect(env.POSTGRES_PASSWORD).not.toBe(env.REDIS_PASSWORD);
    expect(env.SWEEPS_BIND_ADDRESS).toBe('127.0.0.1');
    expect(() => made()).toThrow(); // never overwrites an existing .env
    rmSync(dir, { recursive: true });
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
