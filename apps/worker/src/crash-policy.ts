/**
 * What a worker does on an error nothing handled (a bug: every trial's own errors are handled in
 * process-trial-job.ts): it says so loudly, hands its running trials back to the queue, and exits with code 70 so
 * that its supervisor (systemd, compose's `restart:`) starts it again, rather than dying silently with its trials
 * left running.
 */
export const CRASH_EXIT_CODE = 70;

export interface CrashPolicyOptions {
  log: (line: string) => void;
  /** Hands every running trial back (the worker's stop with no grace). */
  handBack: () => Promise<void>;
  /** How long the hand-back may take before the process exits anyway. */
  handBackMs?: number;
  exit?: (code: number) => void;
  proc?: NodeJS.EventEmitter;
}

export function installCrashPolicy(opts: CrashPolicyOptions): void {
  const proc = opts.proc ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let crashing = false;
  const onFatal = (kind: string) => (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    opts.log(`fatal: ${kind}: ${text}`);
    if (crashing) return;
    crashing = true;
    opts.log('fatal: handing running trials back to the queue, then exiting');
    const deadline = new Promise<void>((r) => setTimeout(r, opts.handBackMs ?? 15_000).unref());
    Promise.race([opts.handBack().catch(() => {}), deadline]).finally(() => exit(CRASH_EXIT_CODE));
  };
  proc.on('uncaughtException', onFatal('uncaught exception'));
  proc.on('unhandledRejection', onFatal('unhandled rejection'));
}
