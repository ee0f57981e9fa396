/** Merging an extension (more checkpoints, grid values or seeds) into a stored sweep spec. */
import { z } from 'zod';
import {
  CheckpointSpecSchema,
  DomainError,
  issuesFromZod,
  SearchSpaceSchema,
  SeedSchema,
  type SweepSpec,
} from '@sweeps/core';

/** What `POST /sweeps/:id/extend` accepts: lists to add. Everything else of the sweep stays fixed. */
export const ExtensionSchema = z
  .strictObject({
    checkpoints: z.array(CheckpointSpecSchema).max(200).optional(),
    space: SearchSpaceSchema.optional(),
    seeds: z.array(SeedSchema).max(1000).optional(),
  })
  .refine(
    (e) => e.checkpoints || e.space || e.seeds,
    'give at least one of checkpoints, space, seeds',
  );

function union<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined {
  if (!a && !b) return undefined;
  return [...(a ?? []), ...(b ?? []).filter((v) => !(a ?? []).includes(v))];
}

function mergeSpace(
  base: SweepSpec['space'],
  extra: SweepSpec['space'] | undefined,
): SweepSpec['space'] {
  if (!extra) return base;
  const optimizer: Record<string, Record<string, unknown[] | undefined>> = {};
  for (const name of new Set([...Object.keys(base.optimizer), ...Object.keys(extra.optimizer)])) {
    const a = (base.optimizer as Record<string, Record<string, unknown[]> | undefined>)[name];
    const b = (extra.optimizer as Record<string, Record<string, unknown[]> | undefined>)[name];
    if (!a || !b) {
      optimizer[name] = a ?? b!;
      continue;
    }
    optimizer[name] = Object.fromEntries(
      [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, union(a[k], b[k])]),
    );
  }
  return { optimizer } as SweepSpec['space'];
}

export function mergeExtension(
  spec: SweepSpec,
  input: unknown,
): { merged: unknown; newCheckpoints: string[] } {
  const parsed = ExtensionSchema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error, input);
    throw new DomainError(
      'INVALID_SPEC',
      `The extension has problems: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const ext = parsed.data;
  const known = new Set(spec.checkpoints.map((c) => c.name));
  const added = (ext.checkpoints ?? []).filter((c) => !known.has(c.name));
  return {
    merged: {
      ...spec,
      checkpoints: [...spec.checkpoints, ...added],
      space: mergeSpace(spec.space, ext.space),
      seeds: union(spec.seeds, ext.seeds),
    },
    newCheckpoints: added.map((c) => c.name),
  };
}
