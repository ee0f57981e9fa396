/**
 * Text that a trainer, a worker or a sweep file wrote (errors, output, metric, checkpoint and sweep names, worker
 * hosts): bidirectional control characters shown as markers and the text isolated in a `<bdi>` (see bidi.ts).
 * Every such text on the dashboard goes through this component, or through `escapeBidi` where it lands in an
 * attribute or a chart.
 */
import { escapeBidi } from '../bidi.ts';

export function Untrusted({
  text,
  class: cls,
}: {
  text: string | null | undefined;
  class?: string;
}) {
  if (text === null || text === undefined || text === '') return null;
  return <bdi class={cls ? `untrusted ${cls}` : 'untrusted'}>{escapeBidi(text)}</bdi>;
}
