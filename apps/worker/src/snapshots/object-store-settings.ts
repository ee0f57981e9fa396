/**
 * The S3 client of the snapshot store, from the worker's settings: the AWS SDK's usual variables (endpoint, region,
 * credentials, each secret also as `*_FILE`, read by env.ts) and path-style addressing for MinIO-like servers.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type ObjectStoreLocation, parseSnapshotStoreUrl } from '@sweeps/core';
import type { WorkerEnv } from '../env.ts';

type StoreEnv = Pick<
  WorkerEnv,
  | 'SWEEPS_SNAPSHOT_STORE'
  | 'SWEEPS_SNAPSHOT_STORE_PATH_STYLE'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL'
  | 'AWS_REGION'
  | 'AWS_DEFAULT_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'AWS_SESSION_TOKEN'
>;

/** The S3 client's configuration for `env`'s store. */
export function s3ClientConfig(env: StoreEnv): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const pathStyle =
    env.SWEEPS_SNAPSHOT_STORE_PATH_STYLE === 'auto'
      ? endpoint !== undefined
      : env.SWEEPS_SNAPSHOT_STORE_PATH_STYLE === 'true';
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY))
    throw new Error(
      'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their *_FILE), or neither to use the AWS SDK credential chain',
    );
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyle,
    // Integrity is the store's own SHA-256 per file (manifest); the SDK's newer checksum headers are left to the
    // operations that require them, so S3-compatible servers that predate them work too.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/** The store `SWEEPS_SNAPSHOT_STORE` names and its client, or null when it is unset (snapshots stay on disk). */
export function objectStoreFromEnv(
  env: StoreEnv,
): { client: S3Client; location: ObjectStoreLocation; url: string } | null {
  if (!env.SWEEPS_SNAPSHOT_STORE) return null;
  const location = parseSnapshotStoreUrl(env.SWEEPS_SNAPSHOT_STORE);
  return { client: new S3Client(s3ClientConfig(env)), location, url: env.SWEEPS_SNAPSHOT_STORE };
}
