/**
 * How this worker answers the API's "can you see these files?" ({@link answerPathProbe}): a path inside the
 * directories its policy lets trials use is `found` or `missing` (symlinks resolved, so a link cannot lead out);
 * anything else is `outside` and is not looked at.
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isInside, type WorkerPolicy } from '@sweeps/core';
import type { PathStatus } from '@sweeps/queue';

const inside = (roots: readonly string[], p: string) => roots.some((r) => isInside(p, r));

/** The status of one path on this node, under `policy`'s directories. */
export function pathStatusUnder(policy: WorkerPolicy): (p: string) => Promise<PathStatus> {
  const roots = policy.cwdRoots.map((r) => {
    try {
      return realpathSync(r);
    } catch {
      return path.resolve(r);
    }
  });
  return async (p) => {
    if (!path.isAbsolute(p)) return 'outside';
    const lexical = path.resolve(p);
    const real = await realpath(lexical).catch(() => null);
    if (real === null) return inside(roots, lexical) ? 'missing' : 'outside';
    return inside(roots, real) ? 'found' : 'outside';
  };
}
