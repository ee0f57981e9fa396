/**
 * Cancel and retry-failed for a write key: cancel asks first; either one says what it did (or the API's error) in
 * a notice and reads the sweep again.
 */
import { useSignal } from '@preact/signals';
import { api, handleError } from '../../api.ts';

export type SweepAction = 'cancel' | 'retry';

const CANCEL_QUESTION =
  'Cancel this sweep? Queued and paused trials are cancelled and running ones are stopped.';

export function useSweepActions(id: string, refresh: () => Promise<unknown>) {
  const notice = useSignal('');
  const act = async (what: SweepAction) => {
    if (what === 'cancel' && !confirm(CANCEL_QUESTION)) return;
    try {
      const r = what === 'cancel' ? await api.cancel(id) : await api.retryFailed(id);
      notice.value =
        'requeued' in r
          ? `${r.requeued} failed trial(s) queued again.`
          : `Cancelled ${r.cancelledQueued} queued and ${r.cancelledPaused} paused trial(s) and stopped ${r.stoppedRunning} running one(s).`;
      await refresh();
    } catch (e) {
      notice.value = handleError(e);
    }
  };
  return { notice, act };
}
