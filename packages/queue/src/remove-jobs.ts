/**
 * Removing many waiting jobs at once. BullMQ's `Queue.remove` takes one job and finds it in the wait list with
 * `LREM`, a scan from the list's newest end: removing a sweep's 10,000 jobs from behind 20,000 newer ones took 7 s
 * of Redis time here (a scan per job). This script removes a whole batch with one pass over each list, under the
 * keys BullMQ publishes (`queue.keys`, `queue.toKey`): the wait and paused lists are filtered in order, the delayed
 * and prioritized sets lose the ids, and each removed job's keys are deleted as BullMQ deletes them. Active jobs
 * are never touched (their workers hold them; a cancelled trial's job is a no-op when it runs anyway).
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TrialJob } from './payload.ts';

// KEYS: wait, paused, delayed, prioritized. ARGV[1]: the job key prefix (`<prefix>:<queue>:`), ARGV[2..]: job ids.
// Lists are rebuilt in their order with RPUSH in chunks (Lua's unpack has a stack limit). Returns how many it removed.
const REMOVE_WAITING_JOBS = `
local doomed = {}
for i = 2, #ARGV do doomed[ARGV[i]] = true end
local removed = {}
local function filterList(key)
  local ids = redis.call('LRANGE', key, 0, -1)
  local kept, hit = {}, false
  for _, id in ipairs(ids) do
    if doomed[id] then removed[#removed + 1] = id; hit = true else kept[#kept + 1] = id end
  end
  if hit then
    redis.call('DEL', key)
    for i = 1, #kept, 5000 do redis.call('RPUSH', key, unpack(kept, i, math.min(i + 4999, #kept))) end
  end
end
filterList(KEYS[1])
filterList(KEYS[2])
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[3], id) + redis.call('ZREM', KEYS[4], id) > 0 then removed[#removed + 1] = id end
end
for _, id in ipairs(removed) do
  local k = ARGV[1] .. id
  redis.call('DEL', k, k .. ':logs', k .. ':dependencies', k .. ':processed', k .. ':failed', k .. ':unsuccessful')
end
return #removed`;

/** Ids per script call: one call holds Redis for one pass over the wait list, whatever the batch's size. */
const IDS_PER_CALL = 1_000;

/**
 * Removes the jobs of `trialIds` that wait (waiting, paused, delayed or prioritized) in one pass per
 * {@link IDS_PER_CALL} ids; returns how many it removed. Ids that are active or unknown are left alone.
 */
export async function removeWaitingJobs(
  queue: Queue<TrialJob>,
  trialIds: string[],
): Promise<number> {
  // BullMQ's Redis backend hands out the ioredis client it was given (its own type names only what BullMQ uses)
  const client = (await queue.getBackend().client) as unknown as Redis;
  const key = (type: 'wait' | 'paused' | 'delayed' | 'prioritized') =>
    queue.keys[type] ?? queue.toKey(type);
  const keys = [key('wait'), key('paused'), key('delayed'), key('prioritized')];
  const jobPrefix = queue.toKey('');
  let removed = 0;
  for (let i = 0; i < trialIds.length; i += IDS_PER_CALL) {
    const ids = trialIds.slice(i, i + IDS_PER_CALL);
    removed += Number(
      await client.eval(REMOVE_WAITING_JOBS, keys.length, ...keys, jobPrefix, ...ids),
    );
  }
  return removed;
}
