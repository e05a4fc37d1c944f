import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/state/record.ts
function runIdOf(url) {
  return url?.match(/\/actions\/runs\/(\d+)/)?.[1] ?? null;
}
function hostOf(f) {
  const e = f.evidence ?? {};
  for (const v of [f.host, e.dockerHost, e.host, e.engine]) if (typeof v === "string" && v) return v;
  return "";
}
var FAILED_OUTCOMES = /* @__PURE__ */ new Set([
  "failed",
  "not_healable",
  "limit_reached",
  "budget_exhausted",
  "guarded",
  "blocked_by_dependency"
]);
function errorOf(f) {
  if (f.failure?.lastError) return f.failure.lastError;
  return FAILED_OUTCOMES.has(f.outcome) || f.outcome === "awaiting_approval" ? f.reason || f.message : null;
}
function rowsOf(report) {
  const startedAt = Date.parse(report.startedAt);
  const endedAt = Date.parse(report.finishedAt);
  const run = {
    repository: report.run?.repository ?? null,
    workflow: report.run?.workflow ?? null,
    runId: runIdOf(report.run?.url),
    commit: report.run?.sha ?? null,
    startedAt,
    endedAt: Number.isFinite(endedAt) ? endedAt : startedAt,
    verdict: report.verdict
  };
  const checks = report.phases.flatMap((p) => p.checks.map((c) => ({ checkId: c.id, status: c.status })));
  const events = report.findings.map((f) => {
    const first = report.actions.find(
      (a) => a.checkId === f.checkId && a.target === f.target && a.code === f.code
    );
    const at = first ? Date.parse(first.timestamp) : startedAt;
    return {
      at: Number.isFinite(at) ? at : startedAt,
      checkId: f.checkId,
      target: f.target,
      host: hostOf(f),
      code: f.code,
      action: f.action,
      outcome: f.outcome,
      attempts: f.attempts,
      durationMs: f.durationMs,
      error: errorOf(f)
    };
  });
  return { run, checks, events };
}
async function recordReport(store, report) {
  const { run, checks, events } = rowsOf(report);
  try {
    const key = await store.recordRun(run, checks, events);
    return { recorded: true, run: key, warnings: store.takeNotices() };
  } catch (e) {
    return {
      recorded: false,
      warnings: [
        ...store.takeNotices(),
        `This run could not be recorded in the ${store.kind} state store ${store.location}: ${e instanceof Error ? e.message : String(e)}`
      ]
    };
  }
}

export {
  hostOf,
  recordReport
};
