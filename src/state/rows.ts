// Every text a store writes passes through the run's redactor first: no secret reaches a row.
import type { Redactor } from '../support/redact.js';
import type { CheckRow, EventRow, RunRow } from './types.js';

/** An error summary is one line of at most this many characters. */
export const MAX_ERROR_CHARS = 500;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

export function cleanRows(
  redactor: Redactor,
  run: RunRow,
  checks: CheckRow[],
  events: EventRow[],
): { run: RunRow; checks: CheckRow[]; events: EventRow[] } {
  const r = (s: string): string => redactor.redact(s);
  const rn = (s: string | null): string | null => (s == null ? null : r(s));
  return {
    run: {
      ...run,
      repository: rn(run.repository),
      workflow: rn(run.workflow),
      runId: rn(run.runId),
      commit: rn(run.commit),
    },
    checks: checks.map((c) => ({ ...c, checkId: r(c.checkId) })),
    events: events.map((e) => ({
      ...e,
      checkId: r(e.checkId),
      target: r(e.target),
      host: r(e.host),
      code: r(e.code),
      action: rn(e.action),
      attempts: Math.max(0, Math.round(e.attempts)),
      durationMs: Math.max(0, Math.round(e.durationMs)),
      error: e.error == null ? null : oneLine(r(e.error)),
    })),
  };
}
