// How the entry points (the action, the CLI) end, whatever happens inside a run:
// - SIGINT/SIGTERM cancel the run: its commands' process groups are signalled at once, the engine
//   stops, the reports are written `blocked` (cancelled) and the process exits 130/143. A run that
//   does not stop within CANCEL_BUDGET_MS is ended anyway, after a minimal blocked report; a second
//   signal ends it at once.
// - A run that overruns its deadline by more than a grace period is ended the same way. The engine's
//   own hard stop covers anything asynchronous; this backstop is for a synchronous loop on the main
//   thread (a catastrophic regex), which nothing in-process can preempt. So it runs twice: as a timer
//   on the main thread, and in a watchdog worker thread that reads the live process groups from
//   shared memory, writes the minimal report itself and SIGKILLs the process (exit 137).
// - A process that exits before its run wrote its reports (a promise that never settled) writes the
//   minimal report and exits 1, never 0.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunReport } from './report/model.js';
import { ProcessGroups } from './targets/exec.js';

/** From the first SIGINT/SIGTERM to the exit, at most (the runner kills 2.5 s after its SIGTERM). */
export const CANCEL_BUDGET_MS = 2000;
/** How long past its deadline a run may take to write its reports before the backstop ends it. */
export const OVERRUN_GRACE_MS = 15_000;
/** The watchdog thread fires this much after the main-thread timer would have. */
const WORKER_LAG_MS = 1000;
/** Groups still there this long after the SIGTERM get SIGKILL. */
const KILL_GRACE_MS = 500;

/** What the backstop writes when the run cannot: a blocked report, and where the outputs go. */
export interface StopPlan {
  /** Absolute report directory: the report goes into `<stamp>-stopped/` there. */
  reportDir: string;
  /** A blocked report (engine/run.ts `blockedReport`); its times and reason are set when written. */
  report: RunReport;
  /** GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, when run as an action. */
  githubOutput?: string;
  stepSummary?: string;
}

export interface ProcessGuard {
  /** Aborted on the first SIGINT/SIGTERM; the reason says which (`cancelled: SIGTERM received`). */
  readonly signal: AbortSignal;
  /** The live command process groups of the runs under this guard. */
  readonly processes: ProcessGroups;
  /** The signal that cancelled the run. */
  cancelledBy(): NodeJS.Signals | undefined;
  /** 128 + the signal's number after a cancel (130 SIGINT, 143 SIGTERM). */
  exitCode(): number | undefined;
  /** Called first thing on the first signal (e.g. to save the action's state for its post step). */
  onSignal(listener: (signal: NodeJS.Signals) => void): void;
  /** Arms the backstop for one run: at `at` (epoch ms) the run is ended with `plan`'s report. */
  arm(at: number, plan: StopPlan): void;
  /** The run's reports and outputs are written: the backstop is disarmed until the next `arm`. */
  written(): void;
  /** An error escaped the entry point: writes the minimal blocked report (if armed and none was written). */
  fail(detail: string): void;
  /** The entry point is done: nothing fires any more. */
  dispose(): void;
}

/**
 * Writes the minimal report of a run that could not write its own: report.json, healing_actions.log
 * and summary.md in `<reportDir>/<stamp>-stopped/`, the action's outputs and job summary. Returns the
 * report's path. Self-contained (its source is also the watchdog thread's): no imports, no closure.
 */
export function writeStoppedRun(
  fsm: typeof fs,
  pathm: typeof path,
  plan: StopPlan,
  interrupted: NonNullable<RunReport['interrupted']>,
  now: number,
  delimiter: string,
): string {
  const headline = `Deployment: BLOCKED (${interrupted.reason === 'deadline' ? `deadline reached: ${interrupted.detail}` : interrupted.detail})`;
  const report = {
    ...plan.report,
    finishedAt: new Date(now).toISOString(),
    durationMs: now - Date.parse(plan.report.startedAt),
    verdict: 'blocked',
    headline,
    errors: [interrupted.detail, ...plan.report.errors.filter((e) => e !== interrupted.detail)],
    interrupted,
  };
  const stamp = report.startedAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  fsm.mkdirSync(plan.reportDir, { recursive: true });
  let dir = pathm.join(plan.reportDir, `${stamp}-stopped`);
  for (let n = 2; ; n++) {
    try {
      fsm.mkdirSync(dir);
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      dir = pathm.join(plan.reportDir, `${stamp}-stopped-${n}`);
    }
  }
  const reportPath = pathm.join(dir, 'report.json');
  fsm.writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
  const time = new Date(now).toISOString().replace('T', ' ').slice(0, 19);
  fsm.writeFileSync(pathm.join(dir, 'healing_actions.log'), `${time} | ERROR | ${headline}\n`);
  const summary = [
    // The same alert and title as every other job summary (src/report/vocabulary.ts); this code runs
    // in the watchdog thread too, so it names them itself.
    '> [!CAUTION]',
    '> ### ⛔ Orixoon pre-deployment: blocked',
    `> **${headline}**`,
    '',
    'The run was stopped before it could finish; whatever it had not finished is unchecked.',
    '',
    `Report: \`${reportPath}\``,
    '',
  ].join('\n');
  fsm.writeFileSync(pathm.join(dir, 'summary.md'), summary);
  if (plan.githubOutput) {
    const outputs: Record<string, string> = {
      status: 'blocked',
      healed: '0',
      failed: '0',
      'awaiting-approval': '0',
      'success-rate': 'n/a',
      report: reportPath,
    };
    const d = `ghadelimiter_${delimiter}`;
    const lines = Object.entries(outputs).map(([k, v]) => `${k}<<${d}\n${v}\n${d}\n`);
    fsm.appendFileSync(plan.githubOutput, lines.join(''));
  }
  if (plan.stepSummary) fsm.appendFileSync(plan.stepSummary, summary);
  return reportPath;
}

/** The watchdog thread: polls the shared control words, and at the time ends the process. */
const WATCHDOG_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const writeStoppedRun = ${writeStoppedRun.toString()};
const { control, slots, base, lag } = workerData;
let plan = workerData.plan;
parentPort.on('message', (p) => { plan = p; });
setInterval(() => {
  const at = Atomics.load(control, 0);
  if (!at || Date.now() < base + at + lag) return;
  for (const pgid of slots) if (pgid) try { process.kill(-pgid, 'SIGKILL'); } catch {}
  const signo = Atomics.load(control, 2);
  if (!Atomics.load(control, 1) && plan) {
    const interrupted = signo
      ? { reason: 'cancelled', detail: 'cancelled: the run did not stop within its budget after the signal' }
      : { reason: 'deadline', detail: 'the run overran its deadline and did not stop: ended by the watchdog' };
    try { writeStoppedRun(fs, path, plan, interrupted, Date.now(), randomUUID()); } catch (e) {
      process.stderr.write('orixoon watchdog: could not write the report: ' + (e && e.message) + '\\n');
    }
  }
  process.kill(process.pid, 'SIGKILL');
}, 100);
`;

export function guardProcess(): ProcessGuard {
  const processes = new ProcessGroups();
  const controller = new AbortController();
  // Control words shared with the watchdog thread: [0] fire time (ms after `base`, 0 = disarmed),
  // [1] reports written, [2] the cancelling signal's number.
  const control = new Int32Array(new SharedArrayBuffer(12));
  const base = Date.now();
  const listeners: Array<(s: NodeJS.Signals) => void> = [];
  let received: NodeJS.Signals | undefined;
  let plan: StopPlan | undefined;
  let isWritten = false;
  let disposed = false;
  let fireTimer: NodeJS.Timeout | undefined;
  let worker: Worker | undefined;

  const exitCode = (): number | undefined =>
    received ? 128 + (constants.signals[received] ?? 15) : undefined;

  const writeFallback = (interrupted: NonNullable<RunReport['interrupted']>): void => {
    if (isWritten || !plan) return;
    isWritten = true;
    try {
      const p = writeStoppedRun(fs, path, plan, interrupted, Date.now(), randomUUID());
      process.stderr.write(`Orixoon: ${interrupted.detail}. Report: ${p}\n`);
    } catch (e) {
      process.stderr.write(`Orixoon: could not write the report: ${(e as Error).message}\n`);
    }
  };

  /** Ends the process now: every command group killed, the minimal report written if none was. */
  const endNow = (interrupted: NonNullable<RunReport['interrupted']>): never => {
    processes.killAll('SIGKILL');
    writeFallback(interrupted);
    process.exit(exitCode() ?? 1);
  };

  const schedule = (at: number): void => {
    clearTimeout(fireTimer);
    Atomics.store(control, 0, Math.max(1, at - base));
    fireTimer = setTimeout(
      () =>
        endNow(
          received
            ? { reason: 'cancelled', detail: `cancelled: ${received} received; the run did not stop in time` }
            : { reason: 'deadline', detail: 'the run overran its deadline and did not stop: ended' },
        ),
      Math.max(0, at - Date.now()),
    );
    fireTimer.unref();
  };

  const onSignal = (sig: NodeJS.Signals): void => {
    if (disposed) return;
    if (received) {
      // A second signal: the user insists.
      endNow({ reason: 'cancelled', detail: `cancelled: ${sig} received twice` });
    }
    received = sig;
    Atomics.store(control, 2, constants.signals[sig] ?? 15);
    for (const l of listeners) {
      try {
        l(sig);
      } catch {
        /* a listener never stops the cancel */
      }
    }
    processes.killAll('SIGTERM');
    setTimeout(() => processes.killAll('SIGKILL'), KILL_GRACE_MS).unref();
    // Only a run in progress gets the budget; anything else (the demo) stops its own way, or on
    // the second signal.
    const armed = Atomics.load(control, 0);
    const at = Date.now() + CANCEL_BUDGET_MS;
    if (armed && base + armed > at) schedule(at);
    controller.abort(new Error(`cancelled: ${sig} received`));
  };
  const onSigint = (): void => onSignal('SIGINT');
  const onSigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  const onExit = (): void => {
    if (disposed || isWritten || !plan) return;
    processes.killAll('SIGKILL');
    writeFallback({
      reason: 'error',
      detail: 'unexpected error: the run ended before it wrote its reports',
    });
    process.exitCode = exitCode() ?? 1;
  };
  process.on('exit', onExit);

  return {
    signal: controller.signal,
    processes,
    cancelledBy: () => received,
    exitCode,
    onSignal: (l) => void listeners.push(l),
    arm(at, p) {
      plan = p;
      isWritten = false;
      Atomics.store(control, 1, 0);
      if (worker) worker.postMessage(p);
      else {
        worker = new Worker(WATCHDOG_SOURCE, {
          eval: true,
          workerData: { control, slots: processes.slots, base, lag: WORKER_LAG_MS, plan: p },
        });
        worker.unref();
      }
      // After a cancel the earlier cancel budget stands.
      if (!received) schedule(at);
    },
    written() {
      isWritten = true;
      Atomics.store(control, 1, 1);
      // Between runs (monitor) nothing is armed: a signal there just stops.
      clearTimeout(fireTimer);
      Atomics.store(control, 0, 0);
    },
    fail(detail) {
      processes.killAll('SIGKILL');
      writeFallback({ reason: 'error', detail });
    },
    dispose() {
      disposed = true;
      clearTimeout(fireTimer);
      Atomics.store(control, 0, 0);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('exit', onExit);
      void worker?.terminate();
    },
  };
}

/**
 * Exits once stdout and stderr have taken everything written so far: a GitHub request still
 * waiting for its timeout, or a connection that did not close, must not keep a finished run alive.
 */
export function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
