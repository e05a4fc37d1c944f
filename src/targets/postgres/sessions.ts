// What a PostgreSQL server says about its sessions (pool use, sessions by state or pid, privileges,
// settings) and the one way Orixoon ends or cancels them: a single statement that re-checks each one.
import type { PostgresConnection } from './connection.js';

/** Application names whose sessions are never signalled (backups and base backups). */
// Backup tools, and Orixoon's own sessions: one per URL, so a second URL to the same server (a
// queue's or a heartbeat's) is Orixoon too and must never be ended by its own remedy.
export const PROTECTED_APPLICATIONS = [
  'pg_dump',
  'pg_basebackup',
  'pg_dumpall',
  'pg_restore',
  'orixoon',
  // A lease's own session, of this run or another: ending it would free a lease its holder still needs.
  'orixoon-lease',
] as const;

/** One session seen in pg_stat_activity (client backends only). */
export interface PgSession {
  pid: number;
  user: string | null;
  database: string | null;
  applicationName: string;
  clientAddr: string | null;
  state: string | null;
  backendStart: string;
  stateChange: string | null;
  xactStart: string | null;
  queryStart: string | null;
  /** Seconds since state_change (how long it has been in its current state). */
  stateSeconds: number;
  /** Seconds since xact_start (null when no transaction is open). */
  xactSeconds: number | null;
  waitEventType: string | null;
  query: string;
}

export interface PoolUsage {
  /** Client backends connected now. */
  used: number;
  /** max_connections − superuser_reserved_connections − reserved_connections. */
  usable: number;
  maxConnections: number;
  reserved: number;
  percent: number;
  byState: Record<string, number>;
}

/** The identity a pid is re-checked against at signal time. */
export interface SessionIdentity {
  pid: number;
  backendStart: string;
  stateChange: string | null;
}

export interface SignalResult {
  /** Pids the server signalled successfully. */
  signalled: number[];
  /** Pids that still matched but were not signalled (no permission, or pg_*_backend returned false). */
  refused: number[];
  /** Of `refused`: the ones Orixoon's role has no permission to signal. */
  denied: number[];
  /** Pids that had gone or changed state since they were picked (not touched). */
  skipped: number[];
}

export interface SignalFilter {
  /** Database users never signalled. */
  protectedUsers: string[];
}

export const SESSION_COLUMNS = `
  pid, usename AS "user", datname AS database, coalesce(application_name, '') AS "applicationName",
  client_addr::text AS "clientAddr", state,
  to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "backendStart",
  to_char(state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "stateChange",
  to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "xactStart",
  to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS "queryStart",
  coalesce(extract(epoch FROM clock_timestamp() - state_change), 0)::float8 AS "stateSeconds",
  extract(epoch FROM clock_timestamp() - xact_start)::float8 AS "xactSeconds",
  wait_event_type AS "waitEventType", left(coalesce(query, ''), 200) AS query`;

/**
 * The safety filter every signalling statement uses: a client backend, not Orixoon's own session,
 * not a protected user, not a backup tool, and still the same session (pid, backend_start,
 * state_change) as when it was picked — in the same statement that signals it.
 */
const SIGNAL_SQL = (fn: 'pg_terminate_backend' | 'pg_cancel_backend') => `
  WITH picked AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) AS p(pid, backend_start, state_change)
  ), me AS (
    SELECT rolsuper AS su, pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS sig
    FROM pg_roles WHERE rolname = current_user
  ), target AS (
    SELECT a.pid,
           -- Signalling a superuser needs superuser; another role's session needs membership in that
           -- role or pg_signal_backend. Checked here so one refusal never aborts the whole statement.
           (me.su OR (NOT coalesce(r.rolsuper, false) AND (me.sig OR pg_has_role(current_user, a.usesysid, 'MEMBER')))) AS permitted
    FROM pg_stat_activity a
    JOIN picked p ON p.pid = a.pid
     AND to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') = p.backend_start
     AND (to_char(a.state_change AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') IS NOT DISTINCT FROM p.state_change)
    CROSS JOIN me
    LEFT JOIN pg_roles r ON r.oid = a.usesysid
    WHERE a.pid = ANY($1::int[])
      AND a.backend_type = 'client backend'
      AND a.pid <> pg_backend_pid()
      AND NOT (coalesce(a.usename, '') = ANY($4::text[]))
      AND NOT (coalesce(a.application_name, '') = ANY($5::text[]))
      AND ($6::text[] IS NULL OR a.state = ANY($6::text[]))
    ORDER BY a.pid
    LIMIT $7
  )
  SELECT t.pid, t.permitted, CASE WHEN t.permitted THEN ${fn}(t.pid) ELSE false END AS ok FROM target t`;

/** Orixoon's own backend pid. */
export async function ownPid(db: PostgresConnection): Promise<number> {
  const [row] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return row.pid;
}

export async function currentUser(db: PostgresConnection): Promise<string> {
  const [row] = await db.query<{ u: string }>('SELECT current_user AS u');
  return row.u;
}

/** Pool use: client backends vs usable slots (max_connections − reserved slots). */
export async function poolUsage(db: PostgresConnection): Promise<PoolUsage> {
  const [row] = await db.query<{
    max: number;
    su: number;
    res: number;
    used: number;
    by_state: Record<string, number> | null;
  }>(`
    SELECT current_setting('max_connections')::int AS max,
           current_setting('superuser_reserved_connections')::int AS su,
           coalesce((SELECT setting::int FROM pg_settings WHERE name = 'reserved_connections'), 0) AS res,
           (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
           (SELECT json_object_agg(s, n) FROM (
              SELECT coalesce(state, 'unknown') AS s, count(*)::int AS n FROM pg_stat_activity
              WHERE backend_type = 'client backend' GROUP BY 1) x) AS by_state`);
  const reserved = row.su + row.res;
  const usable = Math.max(1, row.max - reserved);
  return {
    used: row.used,
    usable,
    maxConnections: row.max,
    reserved,
    percent: Math.round((row.used / usable) * 1000) / 10,
    byState: row.by_state ?? {},
  };
}

/** Client backend sessions (never Orixoon's own), optionally filtered by state and minimum age in it. */
export async function listSessions(
  db: PostgresConnection,
  filter: { states?: string[]; minStateSeconds?: number; limit?: number } = {},
): Promise<PgSession[]> {
  return db.query<PgSession>(
    `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
       AND ($1::text[] IS NULL OR state = ANY($1::text[]))
       AND coalesce(extract(epoch FROM clock_timestamp() - state_change), 0) >= $2
     ORDER BY state_change NULLS LAST, pid
     LIMIT $3`,
    [filter.states ?? null, filter.minStateSeconds ?? 0, filter.limit ?? 10_000],
  );
}

/** Sessions by pid (client backends only). */
export async function sessionsByPid(db: PostgresConnection, pids: number[]): Promise<PgSession[]> {
  if (pids.length === 0) return [];
  return db.query<PgSession>(
    `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND pid = ANY($1::int[]) ORDER BY pid`,
    [pids],
  );
}

/**
 * What Orixoon's role may see and do: signal other roles' backends (superuser or pg_signal_backend),
 * and see other roles' session states (superuser or pg_read_all_stats, e.g. through pg_monitor).
 */
export async function privileges(db: PostgresConnection): Promise<{
  user: string;
  superuser: boolean;
  signalBackend: boolean;
  readAllStats: boolean;
}> {
  const [row] = await db.query<{ user: string; superuser: boolean; signal: boolean; stats: boolean }>(
    `SELECT current_user AS "user",
            coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
            pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') AS signal,
            pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS stats`,
  );
  return {
    user: row.user,
    superuser: row.superuser,
    signalBackend: row.superuser || row.signal,
    readAllStats: row.superuser || row.stats,
  };
}

/** Current values of settings (`pg_settings`), by name; unknown names are left out. */
export async function readSettings(db: PostgresConnection, names: string[]): Promise<Record<string, string>> {
  const rows = await db.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])',
    [names],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

/**
 * Settings configured for roles (`ALTER ROLE … SET`, for all databases or this one), by role, then
 * by setting name. Roles without any of `names` set are absent.
 */
export async function roleSettings(
  db: PostgresConnection,
  roles: string[],
  names: string[],
): Promise<Record<string, Record<string, string>>> {
  if (roles.length === 0) return {};
  const rows = await db.query<{ role: string; name: string; value: string }>(
    `SELECT r.rolname AS role, split_part(c, '=', 1) AS name, substr(c, strpos(c, '=') + 1) AS value
     FROM pg_db_role_setting s
     JOIN pg_roles r ON r.oid = s.setrole
     CROSS JOIN LATERAL unnest(s.setconfig) c
     WHERE r.rolname = ANY($1::text[])
       AND (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
       AND split_part(c, '=', 1) = ANY($2::text[])`,
    [roles, names],
  );
  const out: Record<string, Record<string, string>> = {};
  for (const r of rows) (out[r.role] ??= {})[r.name] = r.value;
  return out;
}

/**
 * Terminates (or cancels) exactly the picked sessions that still are what they were when picked,
 * in ONE statement: client backend, not Orixoon's own, not a protected user or a backup tool, same
 * (pid, backend_start, state_change). `requireStates` additionally demands one of these states.
 * Bounded by `limit`. Permission problems come back as `refused` (pg returns false) or throw.
 */
export async function signalSessions(
  db: PostgresConnection,
  kind: 'terminate' | 'cancel',
  picked: SessionIdentity[],
  filter: SignalFilter & { requireStates?: string[]; limit: number },
): Promise<SignalResult> {
  const fn = kind === 'terminate' ? 'pg_terminate_backend' : 'pg_cancel_backend';
  const bounded = picked.slice(0, filter.limit);
  if (bounded.length === 0) return { signalled: [], refused: [], denied: [], skipped: [] };
  // An action, not a read: it runs on the write path like every other change.
  const rows = await db.transaction((q) =>
    q<{ pid: number; ok: boolean; permitted: boolean }>(SIGNAL_SQL(fn), [
      bounded.map((p) => p.pid),
      bounded.map((p) => p.backendStart),
      bounded.map((p) => p.stateChange),
      filter.protectedUsers,
      [...PROTECTED_APPLICATIONS],
      filter.requireStates ?? null,
      filter.limit,
    ]),
  );
  const signalled = rows.filter((r) => r.ok).map((r) => r.pid);
  const refused = rows.filter((r) => !r.ok).map((r) => r.pid);
  const denied = rows.filter((r) => !r.permitted).map((r) => r.pid);
  const touched = new Set(rows.map((r) => r.pid));
  return { signalled, refused, denied, skipped: bounded.map((p) => p.pid).filter((p) => !touched.has(p)) };
}

/**
 * Polls (short intervals) until none of `pids` is in pg_stat_activity any more, or the timeout
 * ends. Returns the pids still present.
 */
export async function waitGone(
  db: PostgresConnection,
  pids: number[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  let left = pids;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (left.length === 0) return left;
    const rows = await db.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])',
      [left],
    );
    left = rows.map((r) => r.pid);
    if (left.length === 0 || Date.now() + delay > end || signal?.aborted) return left;
    await new Promise((r) => setTimeout(r, delay));
  }
}
