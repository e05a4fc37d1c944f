// A finished run into the state store, from the one report model: one call after the run.
import type { FindingReport, RunReport } from '../report/model.js';
import type { CheckRow, EventRow, RunRow, StateStore } from './types.js';

/** The CI run's id from its URL (`…/actions/runs/123`). */
function runIdOf(url: string | undefined): string | null {
  return url?.match(/\/actions\/runs\/(\d+)/)?.[1] ?? null;
}

/** The Docker engine of a finding's target, when its evidence names one. */
export function hostOf(f: Pick<FindingReport, 'evidence'> & { host?: unknown }): string {
  const e = f.evidence ?? {};
  for (const v of [f.host, e.dockerHost, e.host, e.engine]) if (typeof v === 'string' && v) return v;
  return '';
}

const FAILED_OUTCOMES = new Set([
  'failed',
  'not_healable',
  'limit_reached',
  'budget_exhausted',
  'guarded',
  'blocked_by_dependency',
]);

function errorOf(f: FindingReport): string | null {
  if (f.failure?.lastError) return f.failure.lastError;
  return FAILED_OUTCOMES.has(f.outcome) || f.outcome === 'awaiting_approval' ? f.reason || f.message : null;
}

export function rowsOf(report: RunReport): { run: RunRow; checks: CheckRow[]; events: EventRow[] } {
  const startedAt = Date.parse(report.startedAt);
  const endedAt = Date.parse(report.finishedAt);
  const run: RunRow = {
    repository: report.run?.repository ?? null,
    workflow: report.run?.workflow ?? null,
    runId: runIdOf(report.run?.url),
    commit: report.run?.sha ?? null,
    startedAt,
    endedAt: Number.isFinite(endedAt) ? endedAt : startedAt,
    verdict: report.verdict,
  };
  const checks = report.phases.flatMap((p) => p.checks.map((c) => ({ checkId: c.id, status: c.status })));
  const events = report.findings.map((f): EventRow => {
    // The action's own start, so a budget window counts from when the target was acted on.
    const first = report.actions.find(
      (a) => a.checkId === f.checkId && a.target === f.target && a.code === f.code,
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
      error: errorOf(f),
    };
  });
  return { run, checks, events };
}

/**
 * Records a finished run. A store that fails (a dropped connection, a full disk) gives a warning for
 * the report, never an exception: the run's verdict does not depend on its history being written.
 */
export async function recordReport(
  store: StateStore,
  report: RunReport,
): Promise<{ recorded: true; run: number; warnings: string[] } | { recorded: false; warnings: string[] }> {
  const { run, checks, events } = rowsOf(report);
  try {
    const key = await store.recordRun(run, checks, events);
    return { recorded: true, run: key, warnings: store.takeNotices() };
  } catch (e) {
    return {
      recorded: false,
      warnings: [
        ...store.takeNotices(),
        `This run could not be recorded in the ${store.kind} state store ${store.location}: ${e instanceof Error ? e.message : String(e)}`,
      ],
    };
  }
}
