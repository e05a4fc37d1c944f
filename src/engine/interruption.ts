// How a run that stopped before its work did is described: the deadline, a cancel (SIGINT/SIGTERM)
// or an unexpected error. Such a run is always blocked. Kept apart from the engine so the entry points
// can build a blocked report without loading it.
import { buildVerdict, type FailOn } from '../report/build.js';
import type { RunReport } from '../report/model.js';
import { VERSION } from '../version.js';

/** Why a run ended before its work did: it always blocks. */
export type Interruption = NonNullable<RunReport['interrupted']>;

/** What the deadline says in errors and findings. */
export function deadlineMessage(timeoutSeconds: number): string {
  return `run deadline of ${timeoutSeconds}s (timeout-seconds) reached`;
}

/**
 * The report of a run that ended before it could check anything (an unexpected error outside the
 * engine, a watchdog): blocked, with the reason, and nothing claimed as checked.
 */
export function blockedReport(o: {
  startedAt: Date;
  interrupted: Interruption;
  autoHeal?: boolean;
  dryRun?: boolean;
  configPath?: string | null;
  phases?: string[];
  run?: RunReport['run'];
  failOn?: FailOn;
  notes?: string[];
}): RunReport {
  const finished = new Date();
  const { verdict, deployment, headline, counts } = buildVerdict({
    findings: [],
    failOn: o.failOn,
    interrupted: o.interrupted,
  });
  return {
    tool: { name: 'orixoon', version: VERSION },
    startedAt: o.startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - o.startedAt.getTime(),
    verdict,
    deployment,
    headline,
    mode: {
      autoHeal: o.autoHeal ?? true,
      dryRun: o.dryRun ?? false,
      discovered: false,
      configPath: o.configPath ?? null,
      phases: o.phases?.length ? o.phases : null,
    },
    run: o.run,
    phases: [],
    findings: [],
    actions: [],
    auto_healing: {
      summary: { total_actions: 0, successful: 0, failed: 0, success_rate: 'n/a' },
      actions: [],
    },
    counts,
    recommendations: [],
    errors: [o.interrupted.detail],
    notes: o.notes ?? [],
    approvals: [],
    interrupted: o.interrupted,
  };
}

/** Why unfinished work did not finish: `deadline reached (run deadline of 2s …)`, `cancelled: …`. */
export function stopReason(i: Interruption): string {
  return i.reason === 'deadline' ? `deadline reached (${i.detail})` : i.detail;
}
