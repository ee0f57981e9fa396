/**
 * Starts a real S3-compatible server (s3rver) as a child process for a test, on a free port of 127.0.0.1 with one
 * bucket, its objects under a temporary directory; `env` is what a worker needs to use it as its snapshot store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { waitFor } from './wait-for.ts';

const CHILD = fileURLToPath(new URL('./s3-server-child.mjs', import.meta.url));

/** s3rver's fixed credentials. */
const KEY = 'S3RVER';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** Its objects on disk (s3rver's layout). */
  dir: string;
  /** A client of it, for the test to look at or change objects directly. */
  client: S3Client;
  /** The worker settings that make it the snapshot store under `prefix`. */
  env(prefix: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'sweeps-snapshots'): Promise<S3Server> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sweeps-s3-'));
  const child: ChildProcess = spawn(process.execPath, [CHILD, dir, bucket], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await waitFor(
    'the S3 server to listen',
    async () => {
      if (child.exitCode !== null) throw new Error(`the S3 server exited: ${out}`);
      const m = /\{"port":(\d+)\}/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
    30_000,
    50,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
  });
  return {
    endpoint,
    bucket,
    dir,
    client,
    env: (prefix) => ({
      SWEEPS_SNAPSHOT_STORE: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: KEY,
    }),
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
