/**
 * "Can the workers see this sweep's files?", asked before a sweep is created (preview and submit): the API publishes
 * the paths a trainer needs on a worker node (MMDetection's `tools/train.py`, the config, local checkpoints) and
 * every live worker answers, for each path, `found`, `missing`, or `outside` (not in the directories its owner lets
 * trials use: it is not looked at, so a probe tells nobody more than the policy already allows). PUBLISH returns
 * how many workers heard the question, so the API waits for exactly that many answers, or a short deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { QueueNames } from './names.ts';

/** Most paths in one question, and the longest path. */
export const MAX_PROBE_PATHS = 64;
export const MAX_PROBE_PATH_CHARS = 4096;
/** How long answers are kept for the API to read. */
const ANSWER_TTL_S = 30;

export const PATH_STATUSES = ['found', 'missing', 'outside'] as const;
export type PathStatus = (typeof PATH_STATUSES)[number];

const PathProbeRequestSchema = z.object({
  id: z.uuid(),
  paths: z.array(z.string().min(1).max(MAX_PROBE_PATH_CHARS)).max(MAX_PROBE_PATHS),
});

const PathProbeAnswerSchema = z.object({
  worker: z.string().min(1).max(200),
  statuses: z.array(z.enum(PATH_STATUSES)).max(MAX_PROBE_PATHS),
});
/** One worker's answer: the status of each asked path, in the order asked. */
export type PathProbeAnswer = z.infer<typeof PathProbeAnswerSchema>;

const answersKey = (names: QueueNames, id: string) => `${names.prefix}:path-probe:${id}`;

/**
 * Asks every subscribed worker about `paths`; resolves with the answers that came within `timeoutMs` (none when no
 * worker listens). Answers come back on a list read every few milliseconds: a preview waits at most the deadline.
 */
export async function probeWorkerPaths(
  redis: Redis,
  names: QueueNames,
  paths: readonly string[],
  timeoutMs = 1500,
): Promise<PathProbeAnswer[]> {
  if (paths.length === 0) return [];
  const id = randomUUID();
  const request = { id, paths: paths.slice(0, MAX_PROBE_PATHS) };
  const listeners = await redis.publish(names.pathProbeChannel, JSON.stringify(request));
  const key = answersKey(names, id);
  const deadline = Date.now() + timeoutMs;
  let raw: string[] = [];
  while (listeners > 0 && raw.length < listeners && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    raw = await redis.lrange(key, 0, MAX_ANSWERS);
  }
  if (listeners > 0) await redis.del(key);
  return raw.flatMap((text) => {
    const parsed = PathProbeAnswerSchema.safeParse(safeJson(text));
    return parsed.success && parsed.data.statuses.length === request.paths.length
      ? [parsed.data]
      : [];
  });
}

/** Most answers read (a deployment with more live workers reads the first ones). */
const MAX_ANSWERS = 999;

/**
 * A worker's side: answers one probe message (ignored when it is not a well-formed question), deciding each path
 * with `statusOf`.
 */
export async function answerPathProbe(
  redis: Redis,
  names: QueueNames,
  worker: string,
  message: string,
  statusOf: (path: string) => Promise<PathStatus>,
): Promise<void> {
  const request = PathProbeRequestSchema.safeParse(safeJson(message));
  if (!request.success) return;
  const statuses = await Promise.all(request.data.paths.map(statusOf));
  const key = answersKey(names, request.data.id);
  await redis
    .multi()
    .rpush(key, JSON.stringify({ worker, statuses }))
    .expire(key, ANSWER_TTL_S)
    .exec();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
