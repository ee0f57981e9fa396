/**
 * After the first paint with data, once per page: the `sweep-interactive` performance mark the dashboard
 * benchmark reads (time since navigation, the browser's own clock).
 */
import { useEffect, useRef } from 'preact/hooks';

export function useInteractiveMark(ready: () => boolean) {
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || !ready()) return;
    marked.current = true;
    performance.mark('sweep-interactive');
  });
}
