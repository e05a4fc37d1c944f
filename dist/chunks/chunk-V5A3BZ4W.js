import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  ProcessGroups
} from "./chunk-KJRLVASL.js";

// src/process-guard.ts
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { constants, tmpdir } from "node:os";
var CANCEL_BUDGET_MS = 2e3;
var OVERRUN_GRACE_MS = 15e3;
var WATCHDOG_LAG_MS = 1e3;
var KILL_GRACE_MS = 500;
function writeStoppedRun(fsm, pathm, plan, interrupted, now, delimiter) {
  const headline = `Deployment: BLOCKED (${interrupted.reason === "deadline" ? `deadline reached: ${interrupted.detail}` : interrupted.detail})`;
  const report = {
    ...plan.report,
    finishedAt: new Date(now).toISOString(),
    durationMs: now - Date.parse(plan.report.startedAt),
    verdict: "blocked",
    headline,
    errors: [interrupted.detail, ...plan.report.errors.filter((e) => e !== interrupted.detail)],
    interrupted
  };
  const stamp = report.startedAt.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  fsm.mkdirSync(plan.reportDir, { recursive: true });
  let dir = pathm.join(plan.reportDir, `${stamp}-stopped`);
  for (let n = 2; ; n++) {
    try {
      fsm.mkdirSync(dir);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      dir = pathm.join(plan.reportDir, `${stamp}-stopped-${n}`);
    }
  }
  const reportPath = pathm.join(dir, "report.json");
  fsm.writeFileSync(reportPath, JSON.stringify(report, null, 2) + "\n");
  const time = new Date(now).toISOString().replace("T", " ").slice(0, 19);
  fsm.writeFileSync(pathm.join(dir, "healing_actions.log"), `${time} | ERROR | ${headline}
`);
  const summary = [
    // The same alert and title as every other job summary (src/report/vocabulary.ts); this code runs
    // in the watchdog's Node too, so it names them itself.
    "> [!CAUTION]",
    "> ### \u26D4 Orixoon pre-deployment: blocked",
    `> **${headline}**`,
    "",
    "The run was stopped before it could finish; whatever it had not finished is unchecked.",
    "",
    `Report: \`${reportPath}\``,
    ""
  ].join("\n");
  fsm.writeFileSync(pathm.join(dir, "summary.md"), summary);
  if (plan.githubOutput) {
    const outputs = {
      status: "blocked",
      healed: "0",
      failed: "0",
      "awaiting-approval": "0",
      "success-rate": "n/a",
      report: reportPath
    };
    const d = `ghadelimiter_${delimiter}`;
    const lines = Object.entries(outputs).map(([k, v]) => `${k}<<${d}
${v}
${d}
`);
    fsm.appendFileSync(plan.githubOutput, lines.join(""));
  }
  if (plan.stepSummary) fsm.appendFileSync(plan.stepSummary, summary);
  return reportPath;
}
var WRITER_SOURCE = `
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
var WATCHDOG_SCRIPT = [
  "ms=$1 run=$2 dir=$3 node=$4 writer=$5",
  'ours() { p=$(cut -d" " -f4 "/proc/$$/stat" 2>/dev/null || ps -o ppid= -p $$); [ "$p" -eq "$run" ] 2>/dev/null; }',
  'while [ "$ms" -gt 5000 ]; do sleep 5 || exit 0; ms=$((ms - 5000)); ours || exit 0; done',
  'sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))" || exit 0',
  "ours || exit 0",
  // The run's stderr when it can be opened again (a pipe or a file can; a socket cannot).
  // (tried in a subshell: a failed redirection of a special built-in ends the shell that runs it)
  'err=/dev/null; if (: >>"/proc/$run/fd/2") 2>/dev/null; then err="/proc/$run/fd/2"; fi',
  'if [ -f "$dir/pgids" ]; then for g in $(cat "$dir/pgids"); do kill -s KILL -- "-$g" 2>/dev/null; done; fi',
  // The report gets 10 s (a hung report-dir must not keep the run alive); then the run ends anyway.
  'cap=; command -v timeout >/dev/null 2>&1 && cap="timeout -s KILL 10"',
  'if [ -f "$dir/plan.json" ]; then $cap "$node" -e "$writer" "$dir" 2>>"$err" || echo "orixoon watchdog: could not write the report" >>"$err"; fi',
  'kill -s KILL "$run"',
  'rm -rf "$dir"'
].join("\n");
var Watchdog = class {
  child;
  dir;
  /**
   * (Re)starts the watchdog to fire at `at` (epoch ms) with `plan`; `signal` marks a cancel. Never
   * throws: without a watchdog (no temporary directory, no /bin/sh) the main-thread timer still stands.
   */
  start(at, plan, pgids, signal) {
    this.stop(false);
    try {
      this.dir ??= fs.mkdtempSync(path.join(tmpdir(), "orixoon-watchdog-"));
      fs.writeFileSync(path.join(this.dir, "plan.json"), JSON.stringify(plan));
      this.writeGroups(pgids);
      if (signal) fs.writeFileSync(path.join(this.dir, "signal"), "");
      const ms = String(Math.max(0, Math.round(at + WATCHDOG_LAG_MS - Date.now())));
      this.child = spawn(
        "/bin/sh",
        [
          "-c",
          WATCHDOG_SCRIPT,
          "orixoon-watchdog",
          ms,
          String(process.pid),
          this.dir,
          process.execPath,
          WRITER_SOURCE
        ],
        { detached: true, stdio: "ignore" }
      );
      this.child.on(
        "error",
        (e) => process.stderr.write(`Orixoon: the watchdog did not start: ${e.message}
`)
      );
      this.child.unref();
    } catch (e) {
      process.stderr.write(`Orixoon: the watchdog did not start: ${e.message}
`);
    }
  }
  /** The live command groups, for the watchdog to kill (best effort: a command never fails on it). */
  writeGroups(pgids) {
    try {
      if (this.dir) fs.writeFileSync(path.join(this.dir, "pgids"), pgids.join("\n"));
    } catch {
    }
  }
  /** Ends the watchdog (synchronous: safe in an 'exit' listener); `forget` removes its directory too. */
  stop(forget = true) {
    const pid = this.child?.pid;
    this.child = void 0;
    if (pid) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
      }
    }
    try {
      if (forget && this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
      else if (this.dir) fs.rmSync(path.join(this.dir, "signal"), { force: true });
    } catch {
    }
    if (forget) this.dir = void 0;
  }
};
function guardProcess() {
  const processes = new ProcessGroups();
  const controller = new AbortController();
  const watchdog = new Watchdog();
  const listeners = [];
  let received;
  let plan;
  let isWritten = false;
  let disposed = false;
  let fireTimer;
  let firesAt;
  processes.onChange = () => {
    if (firesAt !== void 0) watchdog.writeGroups(processes.list());
  };
  const exitCode = () => received ? 128 + (constants.signals[received] ?? 15) : void 0;
  const writeFallback = (interrupted) => {
    if (isWritten || !plan) return;
    isWritten = true;
    try {
      const p = writeStoppedRun(fs, path, plan, interrupted, Date.now(), randomUUID());
      process.stderr.write(`Orixoon: ${interrupted.detail}. Report: ${p}
`);
    } catch (e) {
      process.stderr.write(`Orixoon: could not write the report: ${e.message}
`);
    }
  };
  const endNow = (interrupted) => {
    processes.killAll("SIGKILL");
    writeFallback(interrupted);
    watchdog.stop();
    process.exit(exitCode() ?? 1);
  };
  const schedule = (at) => {
    clearTimeout(fireTimer);
    firesAt = at;
    if (plan) watchdog.start(at, plan, processes.list(), received !== void 0);
    fireTimer = setTimeout(
      () => endNow(
        received ? { reason: "cancelled", detail: `cancelled: ${received} received; the run did not stop in time` } : { reason: "deadline", detail: "the run overran its deadline and did not stop: ended" }
      ),
      Math.max(0, at - Date.now())
    );
    fireTimer.unref();
  };
  const onSignal = (sig) => {
    if (disposed) return;
    if (received) {
      endNow({ reason: "cancelled", detail: `cancelled: ${sig} received twice` });
    }
    received = sig;
    for (const l of listeners) {
      try {
        l(sig);
      } catch {
      }
    }
    processes.killAll("SIGTERM");
    setTimeout(() => processes.killAll("SIGKILL"), KILL_GRACE_MS).unref();
    const at = Date.now() + CANCEL_BUDGET_MS;
    if (firesAt !== void 0 && firesAt > at) schedule(at);
    controller.abort(new Error(`cancelled: ${sig} received`));
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  const onExit = () => {
    watchdog.stop();
    if (disposed || isWritten || !plan) return;
    processes.killAll("SIGKILL");
    writeFallback({
      reason: "error",
      detail: "unexpected error: the run ended before it wrote its reports"
    });
    process.exitCode = exitCode() ?? 1;
  };
  process.on("exit", onExit);
  return {
    signal: controller.signal,
    processes,
    cancelledBy: () => received,
    exitCode,
    onSignal: (l) => void listeners.push(l),
    arm(at, p) {
      plan = p;
      isWritten = false;
      if (!received) schedule(at);
      else if (firesAt !== void 0) watchdog.start(firesAt, p, processes.list(), true);
    },
    written() {
      isWritten = true;
      clearTimeout(fireTimer);
      firesAt = void 0;
      watchdog.stop();
    },
    fail(detail) {
      processes.killAll("SIGKILL");
      writeFallback({ reason: "error", detail });
    },
    dispose() {
      disposed = true;
      clearTimeout(fireTimer);
      firesAt = void 0;
      watchdog.stop();
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      process.off("exit", onExit);
    }
  };
}
function exitWhenFlushed(code) {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

export {
  CANCEL_BUDGET_MS,
  OVERRUN_GRACE_MS,
  writeStoppedRun,
  guardProcess,
  exitWhenFlushed
};
