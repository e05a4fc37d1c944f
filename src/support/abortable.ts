// Waiting on work that a run's signal may cut short: racing promises against the signal, sleeping
// until it aborts, bounding a wait. Shared by the engine and healing.

export { errorMessage } from './errors.js';

/** Why a signal aborted, in words: its reason's message, or `aborted`. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted';
}

/** Waits `ms`, or less when the signal aborts first (never rejects). */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Rejects when the signal aborts first. One listener per call: for a signal of its own (one action). */
export function withSignal<T>(p: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(`${what}: ${abortReason(signal)}`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`${what}: ${abortReason(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (
        signal.removeEventListener('abort', onAbort),
        reject(e instanceof Error ? e : new Error(String(e)))
      ),
    );
  });
}

/**
 * `withSignal` for the many promises of one run that share its signal (a phase's checks run at
 * once): one abort listener for all of them, so any number in flight never trips the
 * EventTarget's max-listeners warning, and it is removed once none is waiting.
 */
export class AbortRace {
  private readonly waiting = new Set<() => void>();
  private listening = false;
  private readonly signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.signal = signal;
  }

  race<T>(p: Promise<T>, what: string): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(new Error(`${what}: ${abortReason(signal)}`));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`${what}: ${abortReason(signal)}`));
      this.wait(onAbort);
      p.then(
        (v) => (this.forget(onAbort), resolve(v)),
        (e: unknown) => (this.forget(onAbort), reject(e instanceof Error ? e : new Error(String(e)))),
      );
    });
  }

  /** How many promises wait on the signal now (for tests). */
  get pending(): number {
    return this.waiting.size;
  }

  private wait(onAbort: () => void): void {
    this.waiting.add(onAbort);
    if (this.listening) return;
    this.listening = true;
    this.signal.addEventListener('abort', this.fire, { once: true });
  }

  private forget(onAbort: () => void): void {
    this.waiting.delete(onAbort);
    if (this.waiting.size || !this.listening) return;
    this.listening = false;
    this.signal.removeEventListener('abort', this.fire);
  }

  private readonly fire = (): void => {
    this.listening = false;
    const all = [...this.waiting];
    this.waiting.clear();
    for (const onAbort of all) onAbort();
  };
}

/** Resolves once the promise settles or the time is up: true when it settled. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return done;
}
