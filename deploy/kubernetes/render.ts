/**
 * Prints the YAML to `kubectl apply -f -` (manifests.ts says what is in it):
 *   npx tsx deploy/kubernetes/render.ts --image REGISTRY/sweeps:TAG --gpus 4 --workers 3 \
 *     --db-cidr 10.1.2.3/32 --redis-cidr 10.1.2.4/32 --snapshot-cidr 10.1.2.5/32 \
 *     [--policy deploy/kubernetes/worker-policy.env] [--out sweeps.yaml]
 * The Secret `sweeps-secrets` (keys database-url, redis-url, session-secret) is made apart (docs/deploy.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { buildManifests, DEFAULT_OPTIONS, type DeployOptions } from './manifests.ts';

/** KEY=VALUE lines (# comments, blank lines ignored): the worker policy file. */
export function parsePolicyFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) throw new Error(`policy line ${i + 1}: expected NAME=value, got "${line}"`);
    out[m[1]] = m[2] ?? '';
  }
  return out;
}

function whole(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number, got "${value}"`);
  return n;
}

export function optionsFromArgs(args: string[]): { options: DeployOptions; out?: string } {
  const { values } = parseArgs({
    args,
    options: {
      namespace: { type: 'string' },
      image: { type: 'string' },
      'api-replicas': { type: 'string' },
      workers: { type: 'string' },
      gpus: { type: 'string' },
      drain: { type: 'string' },
      'db-cidr': { type: 'string' },
      'redis-cidr': { type: 'string' },
      'snapshot-cidr': { type: 'string' },
      'snapshot-port': { type: 'string' },
      'storage-class': { type: 'string' },
      'storage-size': { type: 'string' },
      policy: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const d = DEFAULT_OPTIONS;
  const options: DeployOptions = {
    namespace: values.namespace ?? d.namespace,
    image: values.image ?? d.image,
    apiReplicas: whole('api-replicas', values['api-replicas'], d.apiReplicas),
    workerReplicas: whole('workers', values.workers, d.workerReplicas),
    gpusPerWorker: whole('gpus', values.gpus, d.gpusPerWorker),
    drainSeconds: whole('drain', values.drain, d.drainSeconds),
    databaseCidr: values['db-cidr'] ?? d.databaseCidr,
    redisCidr: values['redis-cidr'] ?? d.redisCidr,
    snapshotStoreCidr: values['snapshot-cidr'] ?? d.snapshotStoreCidr,
    snapshotStorePort: whole('snapshot-port', values['snapshot-port'], d.snapshotStorePort),
    snapshotStorageClass: values['storage-class'] ?? d.snapshotStorageClass,
    snapshotStorageSize: values['storage-size'] ?? d.snapshotStorageSize,
    workerPolicy: values.policy
      ? parsePolicyFile(readFileSync(values.policy, 'utf8'))
      : d.workerPolicy,
  };
  return values.out ? { options, out: values.out } : { options };
}

export function renderYaml(options: DeployOptions): string {
  return buildManifests(options)
    .map((m) => stringify(m, { lineWidth: 0 }))
    .join('---\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { options, out } = optionsFromArgs(process.argv.slice(2));
    const text = renderYaml(options);
    if (out) writeFileSync(out, text);
    else process.stdout.write(text);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
