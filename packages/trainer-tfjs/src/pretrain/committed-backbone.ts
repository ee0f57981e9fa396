/**
 * Base-recipe backbones committed with the package (`packages/trainer-tfjs/backbones/`), so that a first
 * `npm run demo:train` need not pretrain one (36 epochs take 12-21 minutes on one core). Each is exactly what
 * its `command` writes: training is deterministic on the wasm backend's own kernels (the commands set
 * SWEEPS_TFJS_NATIVE=0: the native kernels' sums differ per CPU), the same bytes on every machine, and
 * `committed-backbone.test.ts` checks the file's hash and shapes against the manifest.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Where the committed backbones and their manifest live. */
export const BACKBONES_DIR = fileURLToPath(new URL('../../backbones/', import.meta.url));

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

/** One committed backbone: its file, what it is, and how to make it again. */
export const CommittedBackboneSchema = z.object({
  /** File name inside {@link BACKBONES_DIR}. */
  file: z.string().regex(/^[\w.-]{1,100}\.safetensors$/),
  sha256: Sha256Schema,
  bytes: z
    .number()
    .int()
    .positive()
    .max(64 * 1024 * 1024),
  /** `runPretrain` settings it was made with; every other setting is the job's default. */
  depth: z.union([z.literal(18), z.literal(34), z.literal(50)]),
  width: z.number().positive(),
  epochs: z.number().int().positive(),
  /** Top-1 on the rendered crops' val split after the last epoch (also in the file's metadata). */
  top1: z.number().min(0).max(1),
  /** The command (from the repository root) that writes this file, byte for byte. */
  command: z.string().min(1).max(500),
  /** Where and how long it took, for the README. */
  madeOn: z.string().max(200),
  seconds: z.number().positive(),
});
export type CommittedBackbone = z.infer<typeof CommittedBackboneSchema>;

const ManifestSchema = z.object({ backbones: z.array(CommittedBackboneSchema).max(20) });

/** The manifest (`backbones/manifest.json`), validated. */
export function readBackboneManifest(): CommittedBackbone[] {
  const raw = readFileSync(`${BACKBONES_DIR}manifest.json`, 'utf8');
  return ManifestSchema.parse(JSON.parse(raw)).backbones;
}

/** The committed default-recipe backbone of this size and length, if there is one. */
export function findCommittedBackbone(want: {
  depth: number;
  width: number;
  epochs: number;
}): CommittedBackbone | undefined {
  return readBackboneManifest().find(
    (b) => b.depth === want.depth && b.width === want.width && b.epochs === want.epochs,
  );
}

/** The sha256 of a file's bytes, in hex. */
export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/**
 * The committed file's path after checking its hash: a checkout that holds something else (a Git LFS pointer, a
 * truncated download, a file made by other code) is refused, naming the command that makes it again.
 */
export async function verifiedBackbonePath(b: CommittedBackbone): Promise<string> {
  const file = `${BACKBONES_DIR}${b.file}`;
  const actual = await sha256File(file).catch(() => 'missing');
  if (actual !== b.sha256) {
    throw new Error(
      `the committed backbone ${file} is ${actual === 'missing' ? 'missing' : `not the manifest's (sha256 ${actual.slice(0, 12)}..., expected ${b.sha256.slice(0, 12)}...)`}; make it again with: ${b.command}`,
    );
  }
  return file;
}
