// PostgreSQL target (pg). The only place that talks to PostgreSQL: one session per URL per run,
// shared by every check and remedy, with its own timeouts so it never queues behind the locks it
// diagnoses. Knows nothing of policy: callers decide what to signal, this module does it safely.
// Reads (every check, and user-given SQL) run one statement at a time in a READ ONLY transaction
// that is rolled back; only `transaction()` and `signal()` (remedies) may change anything.
// Types only: pg is loaded when the first session is opened, so a run without PostgreSQL never loads it.
import type pg from 'pg';
import { lazyImport } from './lazy.js';

const pgModule = lazyImport(() => import('pg'));

export interface PostgresTargetOptions {
  /** TCP connect + startup (ms). */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout of Orixoon's session (ms). */
  statementTimeoutMs?: number;
  /** Server-side lock_timeout of Orixoon's session (ms): never wait behind a lock it diagnoses. */
  lockTimeoutMs?: number;
  /** Client-side timeout per query (ms); the session is dropped and reopened after one fires. */
  queryTimeoutMs?: number;
}

const DEFAULTS: Required<PostgresTargetOptions> = {
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 15_000,
  lockTimeoutMs: 2_000,
  queryTimeoutMs: 20_000,
};

export const ORIXOON_APPLICATION_NAME = 'orixoon';

/** Application names whose sessions are never signalled (backups and base backups). */
// Backup tools, and Orixoon's own sessions: one per URL, so a second URL to the same server (a
// queue's or a heartbeat's) is Orixoon too and must never be ended by its own remedy.
export const PROTECTED_APPLICATIONS = [
  'pg_dump',
  'pg_basebackup',
  'pg_dumpall',
  'pg_restore',
  'orixoon',
] as const;

export type QueryFn = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>;

/** An error from the postgres target; its message names the target (host:port/db) and never the password. */
export class PostgresTargetError extends Error {
  /** SQLSTATE (`28P01`, `57P01`…) or socket code (`ECONNREFUSED`), when known. */
  readonly pgCode?: string;
  constructor(message: string, pgCode?: string) {
    super(message);
    this.name = 'PostgresTargetError';
    this.pgCode = pgCode;
  }
}

/** SQLSTATE of a write refused in a read-only transaction. */
export const READ_ONLY_VIOLATION = '25006';
/** SQLSTATE of a syntax error, also what the extended protocol answers to several statements in one. */
export const SYNTAX_ERROR = '42601';

/** Whether an error means a read was more than one statement (refused by the extended protocol). */
export function isMultiStatementError(err: unknown): boolean {
  return (
    err instanceof PostgresTargetError &&
    err.pgCode === SYNTAX_ERROR &&
    /cannot insert multiple commands into a prepared statement/i.test(err.message)
  );
}

/** pg's query options; `queryMode` (pg ≥ 8.11) is missing from its type declarations. */
type ExtendedQuery = pg.QueryConfig & { queryMode: 'extended' };

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

/** A session waiting on a lock, with the sessions that block it. */
export interface LockWait {
  waiter: PgSession;
  blockingPids: number[];
  /** Seconds the waiter has been waiting (since its state_change / query start). */
  waitSeconds: number;
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

/** `host:port/db` of a connection string, never its password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const port = u.port || '5432';
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
    return `${host}:${port}/${db}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

/** Every form in which the URL's password may show up in an error. */
export function urlSecrets(url: string): string[] {
  const out = new Set<string>([url]);
  try {
    const u = new URL(url);
    if (u.password) {
      out.add(u.password);
      try {
        out.add(decodeURIComponent(u.password));
      } catch {
        /* not URI-encoded */
      }
    }
  } catch {
    const m = /:\/\/[^:/@]*:([^@]+)@/.exec(url);
    if (m?.[1]) out.add(m[1]);
  }
  return [...out].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function sanitize(text: string, secrets: string[]): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi, '$1***$3');
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const SESSION_COLUMNS = `
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

export class PostgresTarget {
  private readonly options: Required<PostgresTargetOptions>;
  private readonly secrets: string[];
  /** Human name of the server: host:port/db. */
  readonly display: string;
  private client?: pg.Client;
  private connecting?: Promise<pg.Client>;
  /** Serialises use of the single session, so a transaction never interleaves with other queries. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private version?: number;

  readonly url: string;

  constructor(url: string, options: PostgresTargetOptions = {}) {
    this.url = url;
    this.options = { ...DEFAULTS, ...options };
    this.secrets = urlSecrets(url);
    this.display = describePostgresUrl(url);
  }

  /** Removes the password (in any form) from a text. */
  sanitize(text: string): string {
    return sanitize(text, this.secrets);
  }

  private wrap(err: unknown, doing: string): PostgresTargetError {
    if (err instanceof PostgresTargetError) return err;
    const msg = this.sanitize(errorMessage(err));
    return new PostgresTargetError(`PostgreSQL ${this.display}: ${doing} failed: ${msg}`, errorCode(err));
  }

  private connectionConfig(): pg.ClientConfig {
    // application_name in the URL would override ours (pg lets the connection string win).
    let connectionString = this.url;
    try {
      const u = new URL(this.url);
      u.searchParams.delete('application_name');
      connectionString = u.toString();
    } catch {
      /* pg reports the bad URL itself */
    }
    return {
      connectionString,
      application_name: ORIXOON_APPLICATION_NAME,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
      lock_timeout: this.options.lockTimeoutMs,
      query_timeout: this.options.queryTimeoutMs,
      keepAlive: true,
    };
  }

  private async session(): Promise<pg.Client> {
    if (this.closed) throw new PostgresTargetError(`PostgreSQL ${this.display}: target already closed`);
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const { Client } = (await pgModule()).default;
      let client: pg.Client;
      try {
        // pg parses the connection string here: a malformed URL must become a target error, not a
        // TypeError carrying the URL (password included) in its `input`.
        client = new Client(this.connectionConfig());
      } catch (err) {
        throw this.wrap(err, 'connect');
      }
      // A dropped session (server restart, terminate) must not crash the process: forget it, and the
      // next query opens a new one.
      client.on('error', () => this.drop(client));
      client.on('end', () => this.drop(client));
      try {
        await client.connect();
      } catch (err) {
        client.end().catch(() => undefined);
        throw this.wrap(err, 'connect');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One statement through the extended query protocol, which refuses a text holding several
   * statements (`SELECT 1; UPDATE …`), so nothing can ride along after a read or end its transaction.
   */
  private async rawQuery<R>(client: pg.Client, sql: string, params?: unknown[]): Promise<R[]> {
    try {
      const config: ExtendedQuery = { text: sql, values: params, queryMode: 'extended' };
      const res = await client.query(config);
      return res.rows as R[];
    } catch (err) {
      // After a client-side timeout or a broken connection the session state is unknown: reopen.
      if (!errorCode(err) || /timeout|terminat|Connection/i.test(errorMessage(err))) this.drop(client);
      throw this.wrap(err, 'query');
    }
  }

  /**
   * Runs one read-only statement on Orixoon's session: `BEGIN READ ONLY`, the statement, `ROLLBACK`.
   * A write (`UPDATE`, a data-modifying CTE, `nextval`, `SELECT … FOR UPDATE`) fails with SQLSTATE
   * 25006 and changes nothing; the rollback also undoes any `SET` the statement made. Several
   * statements in one text fail with 42601. Not a session default (`default_transaction_read_only`):
   * behind a transaction-pooling proxy that setting would outlive Orixoon on a connection the
   * application gets next.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.exclusive(async () => {
      const client = await this.session();
      await this.rawQuery(client, 'BEGIN READ ONLY');
      try {
        return await this.rawQuery<T>(client, sql, params);
      } finally {
        if (this.client === client) await client.query('ROLLBACK').catch(() => this.drop(client));
      }
    });
  }

  /**
   * BEGIN READ WRITE … COMMIT on the single session (ROLLBACK when `fn` throws); nothing else
   * interleaves. The only way this target changes data.
   */
  transaction<T>(fn: (q: QueryFn) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const client = await this.session();
      await this.rawQuery(client, 'BEGIN READ WRITE');
      const q: QueryFn = <R = Record<string, unknown>>(sql: string, params?: unknown[]) =>
        this.rawQuery<R>(client, sql, params);
      try {
        const result = await fn(q);
        await this.rawQuery(client, 'COMMIT');
        return result;
      } catch (err) {
        if (this.client === client) await client.query('ROLLBACK').catch(() => this.drop(client));
        throw err instanceof PostgresTargetError ? err : this.wrap(err, 'transaction');
      }
    });
  }

  /** Connect (if needed) and `SELECT 1`; throws a sanitised error naming the target. */
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /**
   * A fresh, separate connection attempt + `SELECT 1` (used after a restart, without disturbing the
   * shared session's state). Resolves true/false, never throws.
   */
  async probe(timeoutMs = this.options.connectTimeoutMs): Promise<{ ok: boolean; error?: string }> {
    const { Client } = (await pgModule()).default;
    let client: pg.Client | undefined;
    try {
      client = new Client({
        ...this.connectionConfig(),
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
      });
      client.on('error', () => undefined);
      await client.connect();
      await client.query('SELECT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, error: this.sanitize(errorMessage(err)) };
    } finally {
      client?.end().catch(() => undefined);
    }
  }

  /** Orixoon's own backend pid. */
  async ownPid(): Promise<number> {
    const [row] = await this.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return row.pid;
  }

  async currentUser(): Promise<string> {
    const [row] = await this.query<{ u: string }>('SELECT current_user AS u');
    return row.u;
  }

  /** Pool use: client backends vs usable slots (max_connections − reserved slots). */
  async poolUsage(): Promise<PoolUsage> {
    const [row] = await this.query<{
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
  async sessions(
    filter: { states?: string[]; minStateSeconds?: number; limit?: number } = {},
  ): Promise<PgSession[]> {
    return this.query<PgSession>(
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
  async sessionsByPid(pids: number[]): Promise<PgSession[]> {
    if (pids.length === 0) return [];
    return this.query<PgSession>(
      `SELECT ${SESSION_COLUMNS} FROM pg_stat_activity
       WHERE backend_type = 'client backend' AND pid = ANY($1::int[]) ORDER BY pid`,
      [pids],
    );
  }

  /** Sessions waiting on a heavyweight lock for at least `minWaitSeconds`, with their blockers. */
  async lockWaits(minWaitSeconds: number): Promise<LockWait[]> {
    // pg_locks.waitstart (when the wait began) exists from PostgreSQL 14; before, the statement's start.
    const since =
      (await this.serverVersion()) >= 140000 ? 'coalesce(l.waitstart, a.query_start)' : 'a.query_start';
    const lateral =
      since === 'a.query_start'
        ? ''
        : 'LEFT JOIN LATERAL (SELECT min(waitstart) AS waitstart FROM pg_locks WHERE pid = a.pid AND NOT granted) l ON true';
    const rows = await this.query<PgSession & { blocking: number[]; waitSeconds: number }>(
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

  /** server_version_num (e.g. 150004), read once per session. */
  async serverVersion(): Promise<number> {
    if (this.version === undefined) {
      const [row] = await this.query<{ v: string }>('SHOW server_version_num');
      this.version = Number(row.v);
    }
    return this.version;
  }

  /**
   * What Orixoon's role may see and do: signal other roles' backends (superuser or pg_signal_backend),
   * and see other roles' session states (superuser or pg_read_all_stats, e.g. through pg_monitor).
   */
  async privileges(): Promise<{
    user: string;
    superuser: boolean;
    signalBackend: boolean;
    readAllStats: boolean;
  }> {
    const [row] = await this.query<{ user: string; superuser: boolean; signal: boolean; stats: boolean }>(
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
  async settings(names: string[]): Promise<Record<string, string>> {
    const rows = await this.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])',
      [names],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  }

  /**
   * Settings configured for roles (`ALTER ROLE … SET`, for all databases or this one), by role, then
   * by setting name. Roles without any of `names` set are absent.
   */
  async roleSettings(roles: string[], names: string[]): Promise<Record<string, Record<string, string>>> {
    if (roles.length === 0) return {};
    const rows = await this.query<{ role: string; name: string; value: string }>(
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

  /** Of `pids`, the ones that still block some session (appear in its pg_blocking_pids). */
  async stillBlocking(pids: number[]): Promise<number[]> {
    if (pids.length === 0) return [];
    const rows = await this.query<{ pid: number }>(
      `SELECT DISTINCT b AS pid FROM pg_stat_activity a CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) b
       WHERE a.wait_event_type = 'Lock' AND b = ANY($1::int[])`,
      [pids],
    );
    return rows.map((r) => r.pid);
  }

  /**
   * Terminates (or cancels) exactly the picked sessions that still are what they were when picked,
   * in ONE statement: client backend, not Orixoon's own, not a protected user or a backup tool, same
   * (pid, backend_start, state_change). `requireStates` additionally demands one of these states.
   * Bounded by `limit`. Permission problems come back as `refused` (pg returns false) or throw.
   */
  async signal(
    kind: 'terminate' | 'cancel',
    picked: SessionIdentity[],
    filter: SignalFilter & { requireStates?: string[]; limit: number },
  ): Promise<SignalResult> {
    const fn = kind === 'terminate' ? 'pg_terminate_backend' : 'pg_cancel_backend';
    const bounded = picked.slice(0, filter.limit);
    if (bounded.length === 0) return { signalled: [], refused: [], denied: [], skipped: [] };
    // An action, not a read: it runs on the write path like every other change.
    const rows = await this.transaction((q) =>
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
  async waitGone(pids: number[], timeoutMs: number, signal?: AbortSignal): Promise<number[]> {
    const end = Date.now() + timeoutMs;
    let left = pids;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      if (left.length === 0) return left;
      const rows = await this.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])',
        [left],
      );
      left = rows.map((r) => r.pid);
      if (left.length === 0 || Date.now() + delay > end || signal?.aborted) return left;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    const client = this.client ?? (pending ? await pending.catch(() => undefined) : undefined);
    this.client = undefined;
    if (!client) return;
    // end() waits for the server's goodbye; a server that never sends it must not hold the process.
    const ended = await Promise.race([
      client.end().then(
        () => true,
        () => true,
      ),
      new Promise<false>((r) => setTimeout(() => r(false), 1000).unref()),
    ]);
    if (!ended)
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}
