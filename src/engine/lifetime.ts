// A run's lifetime: its deadline, a cancel from outside (SIGINT/SIGTERM), the hard stop that cuts the
// work off a short settle time after either, and the cleanup of what still runs after that.
import { AbortRace, abortReason, errorMessage, settlesWithin } from '../support/abortable.js';
import type { Logger } from '../support/logger.js';
import type { ProcessGroups } from '../targets/exec.js';
import type { CancelHook } from '../core/types.js';
import { deadlineMessage, type Interruption } from './interruption.js';

/**
 * Time in-flight work gets, once the run is stopping, to end its commands and undo half-done fixes
 * before the report is built without it. Short after a cancel: the runner kills the step 2.5 s after
 * its SIGTERM.
 */
const SETTLE_MS: Record<Interruption['reason'], number> = { deadline: 2000, cancelled: 800, error: 800 };
/** Bound for the cancel hooks, so none can hold the report up. */
const CANCEL_HOOKS_MS = 1000;
/** setTimeout fires at once for anything longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class RunLifetime {
  /** Aborted when the run stops (deadline, cancel, unexpected error). */
  readonly signal: AbortSignal;
  /** Races the run's many promises against its signal with one listener. */
  readonly race: AbortRace;
  readonly deadline: number;
  private readonly controller = new AbortController();
  private readonly timeoutSeconds: number;
  private readonly cancel?: AbortSignal;
  private readonly timer: NodeJS.Timeout;
  private stopped?: { interruption: Interruption; at: number };

  constructor(o: { deadline: number; timeoutSeconds: number; cancel?: AbortSignal }) {
    this.signal = this.controller.signal;
    this.race = new AbortRace(this.signal);
    this.deadline = o.deadline;
    this.timeoutSeconds = o.timeoutSeconds;
    this.cancel = o.cancel;
    // Not unref'd: a check awaiting a promise that never settles holds no handle of its own, and the
    // process must not exit (silently, as if it had passed) before the deadline has ended the run.
    this.timer = setTimeout(this.onDeadline, Math.min(MAX_TIMER_MS, Math.max(0, o.deadline - Date.now())));
    o.cancel?.addEventListener('abort', this.onCancel, { once: true });
    if (o.cancel?.aborted) this.onCancel();
  }

  /** Why the run stopped, once it has. */
  get interruption(): Interruption | undefined {
    return this.stopped?.interruption;
  }

  /** Stops the run (the first reason wins). */
  interrupt(i: Interruption): void {
    if (this.stopped) return;
    this.stopped = { interruption: i, at: Date.now() };
    this.controller.abort(new Error(i.detail));
  }

  /** The hard stop: waits for the work, or cuts it off a short settle time after the run is stopped. */
  async waitOrCutOff(work: Promise<void>): Promise<void> {
    let settleTimer: NodeJS.Timeout | undefined;
    let disarm = (): void => {};
    const cutOff = new Promise<void>((resolve) => {
      const arm = (): void => {
        settleTimer = setTimeout(resolve, SETTLE_MS[this.interruption?.reason ?? 'deadline']);
      };
      if (this.signal.aborted) arm();
      else this.signal.addEventListener('abort', arm, { once: true });
      disarm = () => this.signal.removeEventListener('abort', arm);
    });
    await Promise.race([work, cutOff]);
    disarm();
    clearTimeout(settleTimer);
    clearTimeout(this.timer);
    this.cancel?.removeEventListener('abort', this.onCancel);
  }

  /** A check that held the main thread past the deadline finished before the timer could fire. */
  checkDeadline(): void {
    if (Date.now() >= this.deadline) this.onDeadline();
  }

  /** What is left of the settle time the stop gives in-flight work. */
  settleLeftMs(): number {
    if (!this.stopped) return 0;
    return this.stopped.at + SETTLE_MS[this.stopped.interruption.reason] - Date.now();
  }

  private readonly onDeadline = (): void =>
    this.interrupt({ reason: 'deadline', detail: deadlineMessage(this.timeoutSeconds) });

  private readonly onCancel = (): void =>
    this.interrupt({ reason: 'cancelled', detail: this.cancel ? abortReason(this.cancel) : 'cancelled' });
}

/** Ends what is still running after the settle time: command groups, then the cancel hooks. */
export async function stopUnfinished(
  processes: ProcessGroups,
  cancelHooks: Set<CancelHook>,
  errors: string[],
  log: Logger,
): Promise<void> {
  const killed = processes.killAll('SIGKILL');
  if (killed.length) log.warn(`Killed ${killed.length} command process group(s) still running`);
  const hooks = [...cancelHooks];
  cancelHooks.clear();
  for (const hook of hooks) {
    const ran = Promise.resolve()
      .then(hook)
      .catch((e: unknown) => {
        errors.push(`cleanup after the stop failed: ${errorMessage(e)}`);
        log.error(`Cleanup after the stop failed: ${errorMessage(e)}`);
      });
    if (!(await settlesWithin(ran, CANCEL_HOOKS_MS))) {
      errors.push(`cleanup after the stop did not finish within ${CANCEL_HOOKS_MS / 1000}s`);
    }
  }
}
