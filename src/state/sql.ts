// SQL both stores share. Written with `?` placeholders; the PostgreSQL store numbers them. Tables are
// named through a prefix (`orixoon.` in PostgreSQL, none in the SQLite file).
import type { CheckRow, RecordedOutcome, StoredEvent, TargetHistory, TargetSummary } from './types.js';

/** A finding an action was tried on: a heal, whatever its result (what budgets count). */
export const ACTION_TRIED = 'action IS NOT NULL AND attempts > 0';

/**
 * The schema's versions, in order; each is applied once, in a transaction. The target index carries
 * every column the history summary reads, so the summary never touches the table itself.
 */
export function migrations(prefix: string, kind: 'sqlite' | 'postgres'): string[] {
  const id = kind === 'sqlite' ? 'INTEGER PRIMARY KEY' : 'BIGSERIAL PRIMARY KEY';
  const ref = kind === 'sqlite' ? 'INTEGER' : 'BIGINT';
  return [
    `CREATE TABLE ${prefix}runs (
       id ${id},
       repository TEXT, workflow TEXT, run_id TEXT, commit_sha TEXT,
       started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL, verdict TEXT NOT NULL, recorded_at BIGINT NOT NULL);
     CREATE INDEX runs_started ON ${prefix}runs (started_at);
     CREATE TABLE ${prefix}checks (
       run ${ref} NOT NULL REFERENCES ${prefix}runs(id) ON DELETE CASCADE,
       check_id TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL);
     CREATE INDEX checks_by_check ON ${prefix}checks (check_id, started_at);
     CREATE TABLE ${prefix}events (
       id ${id},
       run ${ref} NOT NULL REFERENCES ${prefix}runs(id) ON DELETE CASCADE,
       at BIGINT NOT NULL, check_id TEXT NOT NULL, target TEXT NOT NULL, host TEXT NOT NULL DEFAULT '',
       code TEXT NOT NULL, action TEXT, outcome TEXT NOT NULL, attempts INTEGER NOT NULL,
       duration_ms INTEGER NOT NULL, error TEXT);
     CREATE INDEX events_by_target ON ${prefix}events (check_id, target, host, at, outcome, attempts, action, duration_ms);
     CREATE INDEX events_by_time ON ${prefix}events (at);
     CREATE INDEX events_by_run ON ${prefix}events (run);`,
  ];
}

export const queries = (p: string) => ({
  insertRun: `INSERT INTO ${p}runs (repository, workflow, run_id, commit_sha, started_at, ended_at, verdict, recorded_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  insertCheck: `INSERT INTO ${p}checks (run, check_id, status, started_at) VALUES (?, ?, ?, ?)`,
  insertEvent: `INSERT INTO ${p}events (run, at, check_id, target, host, code, action, outcome, attempts, duration_ms, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  targetEvents: `SELECT * FROM ${p}events WHERE check_id = ? AND target = ? AND host = ? AND at >= ?
                 ORDER BY at DESC, id DESC`,
  checkRuns: `SELECT run, started_at, status FROM ${p}checks WHERE check_id = ?
              ORDER BY started_at DESC, run DESC LIMIT ?`,
  runOutcomes: (n: number) =>
    `SELECT run, outcome FROM ${p}events WHERE check_id = ? AND target = ? AND host = ?
     AND run IN (${Array.from({ length: n }, () => '?').join(', ')})`,
  summary: (byCheck: boolean) =>
    `SELECT check_id, target, host, COUNT(*) AS findings,
            SUM(CASE WHEN ${ACTION_TRIED} THEN 1 ELSE 0 END) AS actions,
            SUM(CASE WHEN outcome = 'healed' THEN 1 ELSE 0 END) AS healed,
            AVG(CASE WHEN outcome = 'healed' THEN duration_ms END) AS mean_heal_ms,
            MAX(at) AS last_at
     FROM ${p}events WHERE at >= ?${byCheck ? ' AND check_id = ?' : ''}
     GROUP BY check_id, target, host ORDER BY last_at DESC`,
  /** One target's last actions: an index seek per target beats a window over every row. */
  targetLastActions: `SELECT * FROM ${p}events WHERE check_id = ? AND target = ? AND host = ? AND at >= ? AND ${ACTION_TRIED}
                      ORDER BY at DESC, id DESC LIMIT ?`,
});

/** A row as either driver returns it (PostgreSQL gives BIGINT and AVG as strings). */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => (v == null ? '' : String(v));

export function eventOf(r: Row): StoredEvent {
  return {
    run: num(r.run),
    at: num(r.at),
    checkId: str(r.check_id),
    target: str(r.target),
    host: str(r.host),
    code: str(r.code),
    action: r.action == null ? null : String(r.action),
    outcome: str(r.outcome) as StoredEvent['outcome'],
    attempts: num(r.attempts),
    durationMs: num(r.duration_ms),
    error: r.error == null ? null : String(r.error),
  };
}

const keyOf = (r: { checkId: string; target: string; host: string }): string =>
  JSON.stringify([r.checkId, r.target, r.host]);

export function summariesOf(groups: Row[], actions: Row[]): TargetSummary[] {
  const last = new Map<string, StoredEvent[]>();
  for (const a of actions.map(eventOf)) {
    const k = keyOf(a);
    const list = last.get(k);
    if (list) list.push(a);
    else last.set(k, [a]);
  }
  return groups.map((g) => {
    const checkId = str(g.check_id);
    const target = str(g.target);
    const host = str(g.host);
    const actionsTried = num(g.actions);
    const healed = num(g.healed);
    return {
      checkId,
      target,
      host,
      findings: num(g.findings),
      actions: actionsTried,
      healed,
      successRate: actionsTried ? healed / actionsTried : null,
      meanTimeToHealMs: g.mean_heal_ms == null ? null : Math.round(num(g.mean_heal_ms)),
      lastAt: num(g.last_at),
      lastActions: last.get(keyOf({ checkId, target, host })) ?? [],
    };
  });
}

export function targetRuns(runs: Row[], outcomes: Row[]): TargetHistory['runs'] {
  const byRun = new Map<number, TargetHistory['runs'][number]['outcomes']>();
  for (const o of outcomes) {
    const k = Number(o.run);
    byRun.set(k, [...(byRun.get(k) ?? []), String(o.outcome) as RecordedOutcome]);
  }
  return runs.map((r) => ({
    run: Number(r.run),
    startedAt: Number(r.started_at),
    status: String(r.status) as CheckRow['status'],
    outcomes: byRun.get(Number(r.run)) ?? [],
  }));
}
