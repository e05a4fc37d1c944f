// How the entry points (the action, the CLI) end, whatever happens inside a run:
// - SIGINT/SIGTERM cancel the run: its commands' process groups are signalled at once, the engine
//   stops, the reports are written `blocked` (cancelled) and the process exits 130/143. A run that
//   does not stop within CANCEL_BUDGET_MS is ended anyway, after a minimal blocked report; a second
//   signal ends it at once.
// - A run that overruns its deadline by more than a grace period is ended the same way. The engine's
//   own hard stop covers anything asynchronous; this backstop is for a synchronous loop on the main
//   thread (a catastrophic regex), which nothing in-process can preempt. So it runs twice: as a timer
//   on the main thread, and as a watchdog process: a shell that sleeps until a second after that time,
//   then kills the live command process groups, has Node write the minimal report from the plan the
//   run left next to it, and SIGKILLs the process (exit 137). A shell costs a few milliseconds to
//   start; a worker thread (the first design) cost a whole Node environment, about 80 ms of CPU, in
//   every run.
// - A process that exits before its run wrote its reports (a promise that never settled) writes the
//   minimal report and exits 1, never 0.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { constants, tmpdir } from 'node:os';
import type { RunReport } from './report/model.js';
import { ProcessGroups } from './targets/exec.js';

/** From the first SIGINT/SIGTERM to the exit, at most (the runner kills 2.5 s after its SIGTERM). */
export const CANCEL_BUDGET_MS = 2000;
/** How long past its deadline a run may take to write its reports before the backstop ends it. */
export const OVERRUN_GRACE_MS = 15_000;
/** The watchdog process fires this much after the main-thread timer would have. */
const WATCHDOG_LAG_MS = 1000;
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
 * report's path. Self-contained (its source is also what the watchdog has Node run): no imports, no closure.
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
    // in the watchdog's Node too, so it names them itself.
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

/**
 * What the watchdog's Node runs (`node -e`) with the watchdog directory as its argument: the minimal
 * report from `plan.json` there, as cancelled when a `signal` file is there too.
 */
const WRITER_SOURCE = `
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const writeStoppedRun = ${writeStoppedRun.toString()};
const dir = process.argv[1];
const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8'));
const interrupted = fs.existsSync(path.join(dir, 'signal'))
  ? { reason: 'cancelled', detail: 'cancelled: the run did not stop within its budget after the signal' }
  : { reason: 'deadline', detail: 'the run overran its deadline and did not stop: ended by the watchdog' };
writeStoppedRun(fs, path, plan, interrupted, Date.now(), randomUUID());
`;

/**
 * The watchdog process: `sh -c WATCHDOG_SCRIPT orixoon-watchdog MS PID DIR NODE WRITER`. Sleeps MS
 * milliseconds, looking every 5 s whether the run's process is still its parent (a run that ended took
 * its watchdog with it, so a parent that changed means the run is gone, e.g. SIGKILLed: then it leaves
 * at once). At the time it kills the command groups listed in DIR/pgids, writes the report while
 * DIR/plan.json is there (the run removes it once it wrote its own), and ends the run. It holds none of
 * the run's output open (a runner waits for those pipes to close): what it has to say goes to the run's
 * stderr through /proc, only when it fires.
 */
const WATCHDOG_SCRIPT = [
  'ms=$1 run=$2 dir=$3 node=$4 writer=$5',
  'ours() { p=$(cut -d" " -f4 "/proc/$$/stat" 2>/dev/null || ps -o ppid= -p $$); [ "$p" -eq "$run" ] 2>/dev/null; }',
  'while [ "$ms" -gt 5000 ]; do sleep 5 || exit 0; ms=$((ms - 5000)); ours || exit 0; done',
  'sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))" || exit 0',
  'ours || exit 0',
  // The run's stderr when it can be opened again (a pipe or a file can; a socket cannot).
  // (tried in a subshell: a failed redirection of a special built-in ends the shell that runs it)
  'err=/dev/null; if (: >>"/proc/$run/fd/2") 2>/dev/null; then err="/proc/$run/fd/2"; fi',
  'if [ -f "$dir/pgids" ]; then for g in $(cat "$dir/pgids"); do kill -s KILL -- "-$g" 2>/dev/null; done; fi',
  // The report gets 10 s (a hung report-dir must not keep the run alive); then the run ends anyway.
  'cap=; command -v timeout >/dev/null 2>&1 && cap="timeout -s KILL 10"',
  'if [ -f "$dir/plan.json" ]; then $cap "$node" -e "$writer" "$dir" 2>>"$err" || echo "orixoon watchdog: could not write the report" >>"$err"; fi',
  'kill -s KILL "$run"',
  'rm -rf "$dir"',
].join('\n');

/** The watchdog of one armed run: its process and the directory it reads. */
class Watchdog {
  private child?: ChildProcess;
  private dir?: string;

  /**
   * (Re)starts the watchdog to fire at `at` (epoch ms) with `plan`; `signal` marks a cancel. Never
   * throws: without a watchdog (no temporary directory, no /bin/sh) the main-thread timer still stands.
   */
  start(at: number, plan: StopPlan, pgids: number[], signal: boolean): void {
    this.stop(false);
    try {
      // mkdtemp: a directory only this user can read (the plan holds the report's skeleton).
      this.dir ??= fs.mkdtempSync(path.join(tmpdir(), 'orixoon-watchdog-'));
      fs.writeFileSync(path.join(this.dir, 'plan.json'), JSON.stringify(plan));
      this.writeGroups(pgids);
      if (signal) fs.writeFileSync(path.join(this.dir, 'signal'), '');
      const ms = String(Math.max(0, Math.round(at + WATCHDOG_LAG_MS - Date.now())));
      // Its own process group, so stop() ends the shell and its sleep together.
      this.child = spawn(
        '/bin/sh',
        [
          '-c',
          WATCHDOG_SCRIPT,
          'orixoon-watchdog',
          ms,
          String(process.pid),
          this.dir,
          process.execPath,
          WRITER_SOURCE,
        ],
        { detached: true, stdio: 'ignore' },
      );
      this.child.on('error', (e) =>
        process.stderr.write(`Orixoon: the watchdog did not start: ${e.message}\n`),
      );
      this.child.unref();
    } catch (e) {
      process.stderr.write(`Orixoon: the watchdog did not start: ${(e as Error).message}\n`);
    }
  }

  /** The live command groups, for the watchdog to kill (best effort: a command never fails on it). */
  writeGroups(pgids: number[]): void {
    try {
      if (this.dir) fs.writeFileSync(path.join(this.dir, 'pgids'), pgids.join('\n'));
    } catch {
      /* the watchdog kills the groups it last read */
    }
  }

  /** Ends the watchdog (synchronous: safe in an 'exit' listener); `forget` removes its directory too. */
  stop(forget = true): void {
    const pid = this.child?.pid;
    this.child = undefined;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    try {
      if (forget && this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
      else if (this.dir) fs.rmSync(path.join(this.dir, 'signal'), { force: true });
    } catch {
      /* a leftover in the temporary directory; nothing reads it once the watchdog is gone */
    }
    if (forget) this.dir = undefined;
  }
}

export function guardProcess(): ProcessGuard {
  const processes = new ProcessGroups();
  const controller = new AbortController();
  const watchdog = new Watchdog();
  const listeners: Array<(s: NodeJS.Signals) => void> = [];
  let received: NodeJS.Signals | undefined;
  let plan: StopPlan | undefined;
  let isWritten = false;
  let disposed = false;
  let fireTimer: NodeJS.Timeout | undefined;
  /** When the armed run is ended (epoch ms), undefined when nothing is armed. */
  let firesAt: number | undefined;

  processes.onChange = () => {
    if (firesAt !== undefined) watchdog.writeGroups(processes.list());
  };

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
    watchdog.stop();
    process.exit(exitCode() ?? 1);
  };

  const schedule = (at: number): void => {
    clearTimeout(fireTimer);
    firesAt = at;
    if (plan) watchdog.start(at, plan, processes.list(), received !== undefined);
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
    const at = Date.now() + CANCEL_BUDGET_MS;
    if (firesAt !== undefined && firesAt > at) schedule(at);
    controller.abort(new Error(`cancelled: ${sig} received`));
  };
  const onSigint = (): void => onSignal('SIGINT');
  const onSigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);

  const onExit = (): void => {
    watchdog.stop();
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
      // After a cancel the earlier cancel budget stands.
      if (!received) schedule(at);
      else if (firesAt !== undefined) watchdog.start(firesAt, p, processes.list(), true);
    },
    written() {
      isWritten = true;
      // Between runs (monitor) nothing is armed: a signal there just stops.
      clearTimeout(fireTimer);
      firesAt = undefined;
      watchdog.stop();
    },
    fail(detail) {
      processes.killAll('SIGKILL');
      writeFallback({ reason: 'error', detail });
    },
    dispose() {
      disposed = true;
      clearTimeout(fireTimer);
      firesAt = undefined;
      watchdog.stop();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('exit', onExit);
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
