/**
 * The image (Dockerfile) runs as an unprivileged user; the workers that compose and Kubernetes start begin as root
 * only to run their trials as that user (test/trial-isolation.test.ts shows such a trial can read neither the
 * worker's /proc/<pid>/environ nor its secret files); .env.example holds no usable secret.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildManifests, DEFAULT_OPTIONS, IMAGE_UID } from '../kubernetes/manifests.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** The Dockerfile's instructions, continuation lines joined: [instruction, arguments]. */
function instructions(text: string): [string, string][] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [word = '', ...rest] = l.split(/\s+/);
      return [word.toUpperCase(), rest.join(' ')];
    });
}

describe('the image', () => {
  const steps = instructions(read('Dockerfile'));

  it('ends as a user that is not root: the uid the Kubernetes pods run as, made by the Dockerfile', () => {
    const users = steps.filter(([i]) => i === 'USER').map(([, a]) => a);
    const last = users.at(-1);
    expect(last).toBeDefined();
    expect(['root', '0'].includes(String(last).split(':')[0] ?? '')).toBe(false);
    expect(last).toBe(String(IMAGE_UID));
    const made = steps.filter(([i, a]) => i === 'RUN' && /useradd/.test(a)).map(([, a]) => a);
    expect(made.join('\n')).toMatch(new RegExp(`useradd .*--uid ${IMAGE_UID} .*sweeps`));
    // The last USER comes after every RUN, so nothing later runs as root.
    const lastRun = steps.map(([i]) => i).lastIndexOf('RUN');
    expect(steps.findIndex(([i, a]) => i === 'USER' && a === last)).toBeGreaterThan(lastRun);
  });

  it('parses instructions case-insensitively, continuation lines joined', () => {
    expect(instructions('FROM x\nRUN a \\\n  b\nuser 0\n')).toEqual([
      ['FROM', 'x'],
      ['RUN', 'a b'],
      ['USER', '0'],
    ]);
  });

  it("has workers start as root only to run trials as the image's user, in compose and in Kubernetes", () => {
    const compose = parse(read('docker-compose.yml'));
    expect(compose.services.worker.user).toBe('root');
    expect(compose.services.worker.environment.SWEEPS_WORKER_RUN_AS).toBe('sweeps');
    for (const s of ['api', 'migrate']) expect(compose.services[s].user).toBeUndefined();
    const worker = buildManifests(DEFAULT_OPTIONS).find(
      (m) => m.kind === 'Deployment' && (m.metadata as { name: string }).name === 'sweeps-worker',
    ) as { spec: { template: { spec: { containers: { env: object[] }[] } } } } | undefined;
    expect(worker?.spec.template.spec.containers[0]?.env).toContainEqual({
      name: 'SWEEPS_WORKER_RUN_AS',
      value: String(IMAGE_UID),
    });
  });
});

describe('.env.example', () => {
  const example = read('.env.example');
  const values = Object.fromEntries(
    [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );

  it('leaves empty every variable compose insists on, so compose refuses a copy of it', () => {
    const required = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+):\?/g)].map(
      (m) => m[1] as string,
    );
    expect(new Set(required)).toEqual(
      new Set(['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SWEEPS_SESSION_SECRET']),
    );
    for (const name of required) expect([name, values[name]]).toEqual([name, '']);
  });

  it('is filled by make-env with a fresh random value for each of those, and nothing else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'image-env-'));
    execFileSync(process.execPath, [
      path.join(root, 'scripts/make-env.mjs'),
      '--out',
      `${dir}/.env`,
    ]);
    const made = Object.fromEntries(
      [...readFileSync(`${dir}/.env`, 'utf8').matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    rmSync(dir, { recursive: true });
    for (const [name, value] of Object.entries(values))
      if (value === '') expect(made[name]).toMatch(/^[0-9a-f]{48}$/);
      else expect(made[name]).toBe(value);
  });
});
