import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES_VERSION } from './kinds.ts';
import { buildManifests, DEFAULT_OPTIONS, HEALTH_PATH, IMAGE_UID } from './manifests.ts';
import { parsePolicyFile } from './render.ts';
import { schemaErrors } from './schema-check.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));

/** What a user applies: render.ts's output, parsed back. */
function rendered(args: string[]) {
  const text = execFileSync(process.execPath, ['--import', 'tsx', `${here}render.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return parseAllDocuments(text).map((d) => d.toJS() as Rendered);
}

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read field by field
type Rendered = any;

/** The rendered object of that kind and name. */
function byKind(
  ms: { kind: string; metadata: { name: string } }[],
  kind: string,
  name: string,
): Rendered {
  const found = ms.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} rendered`);
  return found;
}

describe(`the Kubernetes manifests (schemas of Kubernetes ${KUBERNETES_VERSION})`, () => {
  const manifests = rendered([
    '--image',
    'registry.example.com/sweeps:1.4.2',
    '--gpus',
    '4',
    '--workers',
    '3',
    '--drain',
    '120',
    '--policy',
    `${here}worker-policy.env`,
  ]);

  it('renders every object, and each one validates', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'Namespace/sweeps',
      'ConfigMap/sweeps-worker-policy',
      'PersistentVolumeClaim/sweeps-snapshots',
      'Job/sweeps-migrate-1-4-2',
      'Deployment/sweeps-api',
      'Service/sweeps-api',
      'Deployment/sweeps-worker',
      'NetworkPolicy/sweeps-worker-egress',
    ]);
    for (const m of manifests) expect([m.kind, schemaErrors(m)]).toEqual([m.kind, []]);
  }, 120_000);

  it('fails a misspelt field at any depth, and a field of the wrong type', () => {
    const worker = () => structuredClone(byKind(manifests, 'Deployment', 'sweeps-worker'));
    const a = worker();
    a.spec.template.spec.terminationGracePeriodSecond = 60;
    expect(schemaErrors(a)).toEqual([
      'unknown field spec.template.spec.terminationGracePeriodSecond',
    ]);
    const b = worker();
    b.spec.template.spec.containers[0].resources.limit =
      b.spec.template.spec.containers[0].resources.limits;
    expect(schemaErrors(b)).toEqual([
      'unknown field spec.template.spec.containers[0].resources.limit',
    ]);
    const c = structuredClone(byKind(manifests, 'NetworkPolicy', 'sweeps-worker-egress'));
    c.spec.egress[0].to[0].ipBlock = { cdir: c.spec.egress[0].to[0].ipBlock.cidr };
    expect(schemaErrors(c)).toEqual([
      'data/spec/egress/0/to/0/ipBlock must have required property cidr',
      'unknown field spec.egress[0].to[0].ipBlock.cdir',
    ]);
    const d = worker();
    d.spec.replicas = 'three';
    expect(schemaErrors(d)).toEqual(['data/spec/replicas must be integer']);
    expect(schemaErrors({ ...worker(), kind: 'Deploymnet' })).toEqual([
      'apps/v1 Deploymnet: not a kind kinds.ts checks',
    ]);
  }, 120_000);

  it('gives each worker its GPUs, a drain and a grace period longer than it, and the policy ConfigMap', () => {
    const pod = byKind(manifests, 'Deployment', 'sweeps-worker').spec.template.spec;
    const [worker] = pod.containers;
    expect(worker.resources.limits).toEqual({ 'nvidia.com/gpu': '4' });
    expect(worker.resources.requests).toEqual({ cpu: '8', memory: '32Gi' });
    expect(worker.command.slice(-2)).toEqual(['--grace', '120']);
    expect(pod.terminationGracePeriodSeconds).toBe(180);
    expect(worker.lifecycle.preStop.exec.command.at(-1)).toMatch(/^kill -TERM 1;/);
    expect(worker.envFrom).toEqual([{ configMapRef: { name: 'sweeps-worker-policy' } }]);
    expect(byKind(manifests, 'ConfigMap', 'sweeps-worker-policy').data).toEqual({
      SWEEPS_WORKER_ALLOW_COMMANDS: 'python3 tools/train.py',
      SWEEPS_WORKER_ALLOW_ENV: '',
      SWEEPS_WORKER_CWD_ROOTS: '',
      SWEEPS_TRIAL_DIR_RETENTION_H: '168',
      SWEEPS_DATA_DIR: '/data/sweeps',
    });
  });

  it('reads secrets only from root-only files of the Secret; only the worker starts as root, to run trials as the image user', () => {
    for (const m of manifests.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const pod = m.spec.template.spec;
      const isWorker = m.metadata.name === 'sweeps-worker';
      expect(pod.securityContext).toMatchObject(
        isWorker ? { runAsUser: 0 } : { runAsNonRoot: true, runAsUser: IMAGE_UID },
      );
      const secrets = pod.volumes.find((v: { name: string }) => v.name === 'secrets').secret;
      expect(secrets.defaultMode).toBe(0o400);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
        expect(c.securityContext.capabilities.drop).toEqual(['ALL']);
        expect(c.securityContext.capabilities.add ?? []).toEqual(
          isWorker ? ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'] : [],
        );
        for (const e of c.env)
          expect(e.name.endsWith('_FILE') || !/URL|SECRET|PASSWORD/.test(e.name)).toBe(true);
        expect(c.env.every((e: { valueFrom?: unknown }) => e.valueFrom === undefined)).toBe(true);
        if (isWorker)
          expect(c.env).toContainEqual({ name: 'SWEEPS_WORKER_RUN_AS', value: String(IMAGE_UID) });
      }
    }
    const api = byKind(manifests, 'Deployment', 'sweeps-api').spec.template.spec.containers[0];
    expect(api.env.filter((e: { name: string }) => e.name.endsWith('_FILE'))).toEqual([
      { name: 'DATABASE_URL_FILE', value: '/run/secrets/sweeps/database-url' },
      { name: 'REDIS_URL_FILE', value: '/run/secrets/sweeps/redis-url' },
      { name: 'SWEEPS_SESSION_SECRET_FILE', value: '/run/secrets/sweeps/session-secret' },
    ]);
    // The probes' path is the API's own health route.
    expect(readFileSync(`${root}apps/api/src/routes/system.ts`, 'utf8')).toContain(
      `app.get(\n      '${HEALTH_PATH}',`,
    );
    expect(api.readinessProbe.httpGet).toEqual({ path: HEALTH_PATH, port: 'http' });
    expect(api.livenessProbe.httpGet).toEqual({ path: HEALTH_PATH, port: 'http' });
  });

  it('lets workers reach only PostgreSQL, Redis, the snapshot store and DNS, and nothing reach them', () => {
    const policy = byKind(manifests, 'NetworkPolicy', 'sweeps-worker-egress').spec;
    expect(policy.podSelector.matchLabels['app.kubernetes.io/component']).toBe('worker');
    expect(policy.ingress).toEqual([]);
    expect(
      policy.egress.map(
        (e: { to: { ipBlock?: { cidr: string } }[]; ports: { port: number }[] }) => [
          e.to[0]?.ipBlock?.cidr ?? 'dns',
          e.ports.map((p) => p.port),
        ],
      ),
    ).toEqual([
      [DEFAULT_OPTIONS.databaseCidr, [5432]],
      [DEFAULT_OPTIONS.redisCidr, [6379]],
      [DEFAULT_OPTIONS.snapshotStoreCidr, [2049]],
      ['dns', [53, 53]],
    ]);
  });

  it('names the migrations Job after the image version, so it runs once per version', () => {
    const job = (image: string) =>
      buildManifests({ ...DEFAULT_OPTIONS, image }).find((m) => m.kind === 'Job')?.metadata;
    expect(job('r.example/sweeps:1.4.2')).toMatchObject({ name: 'sweeps-migrate-1-4-2' });
    expect(job('r.example:5000/sweeps')).toMatchObject({ name: 'sweeps-migrate-latest' });
    expect(job('r.example/sweeps@sha256:ABCDEF0123')).toMatchObject({
      name: 'sweeps-migrate-sha256-abcdef0123',
    });
  });

  it('reads the policy file as NAME=value lines and refuses anything else', () => {
    expect(parsePolicyFile('# c\n\nA_B=x y\nC=\n')).toEqual({ A_B: 'x y', C: '' });
    expect(() => parsePolicyFile('A=1\nnot a line\n')).toThrow(
      'policy line 2: expected NAME=value',
    );
  });
});
