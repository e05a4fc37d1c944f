// Lock waits: which sessions wait on a heavyweight lock, for how long, and who blocks them.
import type { PostgresConnection } from './connection.js';
import { SESSION_COLUMNS, type PgSession } from './sessions.js';

/** A session waiting on a lock, with the sessions that block it. */
export interface LockWait {
  waiter: PgSession;
  blockingPids: number[];
  /** Seconds the waiter has been waiting (since its state_change / query start). */
  waitSeconds: number;
}

/** Sessions waiting on a heavyweight lock for at least `minWaitSeconds`, with their blockers. */
export async function lockWaits(db: PostgresConnection, minWaitSeconds: number): Promise<LockWait[]> {
  // pg_locks.waitstart (when the wait began) exists from PostgreSQL 14; before, the statement's start.
  const since =
    (await db.serverVersion()) >= 140000 ? 'coalesce(l.waitstart, a.query_start)' : 'a.query_start';
  const lateral =
    since === 'a.query_start'
      ? ''
      : 'LEFT JOIN LATERAL (SELECT min(waitstart) AS waitstart FROM pg_locks WHERE pid = a.pid AND NOT granted) l ON true';
  const rows = await db.query<PgSession & { blocking: number[]; waitSeconds: number }>(
    `SELECT ${SESSION_COLUMNS}, pg_blocking_pids(pid) AS blocking,
            coalesce(extract(epoch FROM clock_timestamp() - ${since}), 0)::float8 AS "waitSeconds"
     FROM pg_stat_activity a
     ${lateral}
     WHERE backend_type = 'client backend' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()
       AND cardinality(pg_blocking_pids(pid)) > 0
       AND coalesce(extract(epoch FROM clock_timestamp() - ${since}), 0) >= $1
     ORDER BY "waitSeconds" DESC`,
    [minWaitSeconds],
  );
  return rows.map(({ blocking, waitSeconds, ...waiter }) => ({
    waiter,
    blockingPids: blocking,
    waitSeconds,
  }));
}

/** Of `pids`, the ones that still block some session (appear in its pg_blocking_pids). */
export async function stillBlocking(db: PostgresConnection, pids: number[]): Promise<number[]> {
  if (pids.length === 0) return [];
  const rows = await db.query<{ pid: number }>(
    `SELECT DISTINCT b AS pid FROM pg_stat_activity a CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) b
     WHERE a.wait_event_type = 'Lock' AND b = ANY($1::int[])`,
    [pids],
  );
  return rows.map((r) => r.pid);
}
