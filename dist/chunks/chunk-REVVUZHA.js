import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  ProcessGroups
} from "./chunk-RHFS6BNU.js";

// src/process-guard.ts
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { constants } from "node:os";
import { Worker } from "node:worker_threads";
var CANCEL_BUDGET_MS = 2e3;
var OVERRUN_GRACE_MS = 15e3;
var WORKER_LAG_MS = 1e3;
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
    // in the watchdog thread too, so it names them itself.
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
var WATCHDOG_SOURCE = `
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
function guardProcess() {
  const processes = new ProcessGroups();
  const controller = new AbortController();
  const control = new Int32Array(new SharedArrayBuffer(12));
  const base = Date.now();
  const listeners = [];
  let received;
  let plan;
  let isWritten = false;
  let disposed = false;
  let fireTimer;
  let worker;
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
    process.exit(exitCode() ?? 1);
  };
  const schedule = (at) => {
    clearTimeout(fireTimer);
    Atomics.store(control, 0, Math.max(1, at - base));
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
    Atomics.store(control, 2, constants.signals[sig] ?? 15);
    for (const l of listeners) {
      try {
        l(sig);
      } catch {
      }
    }
    processes.killAll("SIGTERM");
    setTimeout(() => processes.killAll("SIGKILL"), KILL_GRACE_MS).unref();
    const armed = Atomics.load(control, 0);
    const at = Date.now() + CANCEL_BUDGET_MS;
    if (armed && base + armed > at) schedule(at);
    controller.abort(new Error(`cancelled: ${sig} received`));
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  const onExit = () => {
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
      Atomics.store(control, 1, 0);
      if (worker) worker.postMessage(p);
      else {
        worker = new Worker(WATCHDOG_SOURCE, {
          eval: true,
          workerData: { control, slots: processes.slots, base, lag: WORKER_LAG_MS, plan: p }
        });
        worker.unref();
      }
      if (!received) schedule(at);
    },
    written() {
      isWritten = true;
      Atomics.store(control, 1, 1);
      clearTimeout(fireTimer);
      Atomics.store(control, 0, 0);
    },
    fail(detail) {
      processes.killAll("SIGKILL");
      writeFallback({ reason: "error", detail });
    },
    dispose() {
      disposed = true;
      clearTimeout(fireTimer);
      Atomics.store(control, 0, 0);
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      process.off("exit", onExit);
      void worker?.terminate();
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
