/**
 * What a worker hears on Redis's pub/sub channels: cancellations (the trials named are stopped if they run here)
 * and file checks (the API asks whether a path exists on the workers; see path-answers.ts).
 */
import { answerPathProbe, CancelMessageSchema, type QueueNames, type Redis } from '@sweeps/queue';
import { lastLine } from '@sweeps/core';
import { TrialCancelled } from './abort-reasons.ts';
import type { pathStatusUnder } from './path-answers.ts';

export interface ChannelListener {
  workerId: string;
  names: QueueNames;
  /** The subscribed connection (it can send nothing else). */
  subscriber: Redis;
  /** The connection answers are written on. */
  connection: Redis;
  pathStatus: ReturnType<typeof pathStatusUnder>;
  /** Running trials by id, so a cancellation can reach them. */
  running: Map<string, AbortController>;
  log: (line: string) => void;
}

/** Subscribes to the cancel and file-check channels and answers each message. */
export async function listenToChannels(l: ChannelListener): Promise<void> {
  await l.subscriber.subscribe(l.names.cancelChannel, l.names.pathProbeChannel);
  l.subscriber.on('message', (channel, text) => {
    if (channel === l.names.pathProbeChannel) answerFileCheck(l, text);
    else stopCancelledTrials(l.running, text);
  });
}

function answerFileCheck(l: ChannelListener, text: string): void {
  answerPathProbe(l.connection, l.names, l.workerId, text, l.pathStatus).catch((err) =>
    l.log(`could not answer a file check: ${lastLine(err)}`),
  );
}

/** Aborts the trials a cancel message names that run here; a malformed message is ignored. */
function stopCancelledTrials(running: Map<string, AbortController>, text: string): void {
  const msg = CancelMessageSchema.safeParse(safeJson(text));
  if (!msg.success) return;
  for (const trialId of msg.data.trialIds) running.get(trialId)?.abort(new TrialCancelled());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
