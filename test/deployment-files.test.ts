/** docker compose cannot run here, so its file is checked by reading it: services, wiring and commands. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/stack.ts';

const compose = parse(readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8'));
const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8'));

describe('docker-compose.yml', () => {
  it('has postgres, redis, api and worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'api', 'worker', 'migrate']));
  });
  it('points the API and worker at the compose services', () => {
    for (const s of ['api', 'worker']) {
      expect(compose.services[s].environment.DATABASE_URL).toBe('postgresql://postgres@postgres:5432/sweeps');
      expect(compose.services[s].environment.REDIS_URL).toBe('redis://redis:6379');
      expect(compose.services[s].depends_on.migrate.condition).toBe('service_completed_successfully');
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
