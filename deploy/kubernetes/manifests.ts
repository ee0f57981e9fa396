/**
 * The Kubernetes objects of a deployment: the API (Deployment + Service), the migrations (a Job named after the
 * image, so it runs once per version), the workers (a Deployment with GPU limits), the worker policy (a
 * ConfigMap), the snapshot store's claim and a NetworkPolicy that lets workers reach only PostgreSQL, Redis and
 * the snapshot store. PostgreSQL and Redis are external services; their URLs and the session secret come from
 * one Secret, mounted as files (`*_FILE` settings), never as environment variables. render.ts prints them as YAML.
 */

export interface DeployOptions {
  namespace: string;
  /** The sweeps image (its tag names the version the migrations Job runs once for). */
  image: string;
  apiReplicas: number;
  workerReplicas: number;
  /** GPUs per worker pod: its `nvidia.com/gpu` limit; the worker runs one trial per GPU it sees (one slot each). */
  gpusPerWorker: number;
  /** Seconds running trials get to finish on a drain before they are handed back (worker `--grace`). */
  drainSeconds: number;
  /** Where workers may connect: CIDR blocks of PostgreSQL, Redis and the snapshot store (NFS by default). */
  databaseCidr: string;
  redisCidr: string;
  snapshotStoreCidr: string;
  snapshotStorePort: number;
  /** Storage class of the snapshot store's claim (ReadWriteMany: every worker resumes any trial). */
  snapshotStorageClass: string;
  snapshotStorageSize: string;
  /** The worker policy (SWEEPS_WORKER_* settings) put in its ConfigMap. */
  workerPolicy: Record<string, string>;
}

export const DEFAULT_OPTIONS: DeployOptions = {
  namespace: 'sweeps',
  image: 'registry.example.com/sweeps:0.1.0',
  apiReplicas: 2,
  workerReplicas: 2,
  gpusPerWorker: 1,
  drainSeconds: 300,
  databaseCidr: '10.0.0.10/32',
  redisCidr: '10.0.0.11/32',
  snapshotStoreCidr: '10.0.0.12/32',
  snapshotStorePort: 2049,
  snapshotStorageClass: 'nfs',
  snapshotStorageSize: '500Gi',
  workerPolicy: {
    SWEEPS_WORKER_ALLOW_COMMANDS: '',
    SWEEPS_WORKER_ALLOW_ENV: '',
    SWEEPS_TRIAL_DIR_RETENTION_H: '168',
  },
};

/** The API's health route (apps/api/src/routes/system.ts): PostgreSQL and Redis answer within 2 s. */
export const HEALTH_PATH = '/healthz';
const API_PORT = 8080;
/** Where the Secret's keys appear as files, and the uid the image runs as (Dockerfile `USER`). */
const SECRETS_DIR = '/run/secrets/sweeps';
export const IMAGE_UID = 10001;
const SECRET_NAME = 'sweeps-secrets';
const SNAPSHOT_DIR = '/data/sweeps';

type Manifest = Record<string, unknown> & { apiVersion: string; kind: string };

const labels = (component: string) => ({
  'app.kubernetes.io/name': 'sweeps',
  'app.kubernetes.io/component': component,
});

/** A volume of the Secret holding only `keys`, files readable by the image's user only. */
function secretVolume(keys: readonly string[]) {
  return {
    name: 'secrets',
    secret: {
      secretName: SECRET_NAME,
      defaultMode: 0o400,
      items: keys.map((key) => ({ key, path: key })),
    },
  };
}

/** `<NAME>_FILE` settings pointing at the mounted Secret's files. */
function secretFileEnv(byName: Record<string, string>) {
  return Object.entries(byName).map(([name, key]) => ({
    name: `${name}_FILE`,
    value: `${SECRETS_DIR}/${key}`,
  }));
}

const secretMount = { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true };

const podSecurity = {
  runAsNonRoot: true,
  runAsUser: IMAGE_UID,
  runAsGroup: IMAGE_UID,
  fsGroup: IMAGE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};
/**
 * The worker starts as root, with only the capabilities it needs to run each trial process as the image's user
 * (SWEEPS_WORKER_RUN_AS) and to keep the trial directories (apps/worker/src/trial-user.ts): its secret files are
 * root's (mode 0400), and so is its /proc/<pid>/environ, so no trial can read them.
 */
const workerPodSecurity = {
  runAsNonRoot: false,
  runAsUser: 0,
  runAsGroup: 0,
  fsGroup: IMAGE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
const workerSecurity = {
  allowPrivilegeEscalation: false,
  capabilities: {
    drop: ['ALL'],
    add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'KILL', 'SETGID', 'SETUID'],
  },
};

/** The image's version: its tag (or digest), for the migrations Job's name. */
export function imageVersion(image: string): string {
  const at = image.lastIndexOf('@');
  const tag = at >= 0 ? image.slice(at + 1) : (image.split('/').pop()?.split(':')[1] ?? 'latest');
  return (
    tag
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'latest'
  );
}

export function buildManifests(o: DeployOptions): Manifest[] {
  const ns = o.namespace;
  const meta = (name: string, component: string) => ({
    name,
    namespace: ns,
    labels: labels(component),
  });

  const namespace: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };

  const policy: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('sweeps-worker-policy', 'worker'),
    data: { ...o.workerPolicy, SWEEPS_DATA_DIR: SNAPSHOT_DIR },
  };

  const migrate: Manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`sweeps-migrate-${imageVersion(o.image)}`, 'migrate'),
    spec: {
      backoffLimit: 3,
      template: {
        metadata: { labels: labels('migrate') },
        spec: {
          restartPolicy: 'OnFailure',
          securityContext: podSecurity,
          volumes: [secretVolume(['database-url'])],
          containers: [
            {
              name: 'migrate',
              image: o.image,
              command: ['npm', 'run', 'db:migrate'],
              env: secretFileEnv({ DATABASE_URL: 'database-url' }),
              volumeMounts: [secretMount],
              securityContext: containerSecurity,
              resources: { requests: { cpu: '100m', memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };

  const probe = (periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path: HEALTH_PATH, port: 'http' },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const api: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('sweeps-api', 'api'),
    spec: {
      replicas: o.apiReplicas,
      selector: { matchLabels: labels('api') },
      template: {
        metadata: { labels: labels('api') },
        spec: {
          securityContext: podSecurity,
          volumes: [secretVolume(['database-url', 'redis-url', 'session-secret'])],
          containers: [
            {
              name: 'api',
              image: o.image,
              command: ['node', '--import', 'tsx', 'apps/api/src/main.ts'],
              ports: [{ name: 'http', containerPort: API_PORT }],
              env: [
                { name: 'HOST', value: '0.0.0.0' },
                { name: 'PORT', value: String(API_PORT) },
                ...secretFileEnv({
                  DATABASE_URL: 'database-url',
                  REDIS_URL: 'redis-url',
                  SWEEPS_SESSION_SECRET: 'session-secret',
                }),
              ],
              volumeMounts: [secretMount],
              // Not ready while PostgreSQL or Redis does not answer; restarted only after a minute of that.
              readinessProbe: probe(5, 2),
              livenessProbe: probe(10, 6),
              securityContext: containerSecurity,
              resources: {
                requests: { cpu: '250m', memory: '512Mi' },
                limits: { memory: '1Gi' },
              },
            },
          ],
        },
      },
    },
  };

  const service: Manifest = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('sweeps-api', 'api'),
    spec: {
      selector: labels('api'),
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };

  const snapshots: Manifest = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('sweeps-snapshots', 'worker'),
    spec: {
      accessModes: ['ReadWriteMany'],
      storageClassName: o.snapshotStorageClass,
      resources: { requests: { storage: o.snapshotStorageSize } },
    },
  };

  // A worker needs no stable name or volume of its own (its trials' state is in PostgreSQL and the shared
  // snapshot store, its id is new each start), so a Deployment, not a StatefulSet.
  const worker: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('sweeps-worker', 'worker'),
    spec: {
      replicas: o.workerReplicas,
      selector: { matchLabels: labels('worker') },
      template: {
        metadata: { labels: labels('worker') },
        spec: {
          securityContext: workerPodSecurity,
          // The drain (--grace) plus a minute to hand running trials back and leave.
          terminationGracePeriodSeconds: o.drainSeconds + 60,
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          volumes: [
            secretVolume(['database-url', 'redis-url']),
            { name: 'snapshots', persistentVolumeClaim: { claimName: 'sweeps-snapshots' } },
          ],
          containers: [
            {
              name: 'worker',
              image: o.image,
              // node is PID 1, so SIGTERM reaches the worker itself; it finds its GPUs with nvidia-smi and
              // runs one trial on each (the slots follow the nvidia.com/gpu limit).
              command: [
                'node',
                '--import',
                'tsx',
                'apps/worker/src/main.ts',
                '--grace',
                String(o.drainSeconds),
              ],
              env: [
                ...secretFileEnv({ DATABASE_URL: 'database-url', REDIS_URL: 'redis-url' }),
                { name: 'SWEEPS_WORKER_RUN_AS', value: String(IMAGE_UID) },
              ],
              envFrom: [{ configMapRef: { name: 'sweeps-worker-policy' } }],
              volumeMounts: [secretMount, { name: 'snapshots', mountPath: SNAPSHOT_DIR }],
              lifecycle: {
                // The drain happens inside the hook: the worker takes no new trials, lets running ones finish
                // for --grace seconds, hands the rest back (no attempt spent) and exits; the kubelet's own
                // SIGTERM after the hook finds it gone.
                preStop: {
                  exec: {
                    command: [
                      '/bin/sh',
                      '-c',
                      'kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 1; done',
                    ],
                  },
                },
              },
              securityContext: workerSecurity,
              resources: {
                requests: { cpu: String(2 * o.gpusPerWorker), memory: `${8 * o.gpusPerWorker}Gi` },
                limits: { 'nvidia.com/gpu': String(o.gpusPerWorker) },
              },
            },
          ],
        },
      },
    },
  };

  const port = (n: number, protocol = 'TCP') => ({ protocol, port: n });
  const workerEgress: Manifest = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('sweeps-worker-egress', 'worker'),
    spec: {
      podSelector: { matchLabels: labels('worker') },
      policyTypes: ['Ingress', 'Egress'],
      // Nothing connects to a worker.
      ingress: [],
      egress: [
        { to: [{ ipBlock: { cidr: o.databaseCidr } }], ports: [port(5432)] },
        { to: [{ ipBlock: { cidr: o.redisCidr } }], ports: [port(6379)] },
        { to: [{ ipBlock: { cidr: o.snapshotStoreCidr } }], ports: [port(o.snapshotStorePort)] },
        // Cluster DNS, to find those three by name.
        {
          to: [
            {
              namespaceSelector: {},
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [port(53, 'UDP'), port(53, 'TCP')],
        },
      ],
    },
  };

  return [namespace, policy, snapshots, migrate, api, service, worker, workerEgress];
}
