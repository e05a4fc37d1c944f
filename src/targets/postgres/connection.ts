// The PostgreSQL session of one URL: one connection per URL per run, shared by every check and remedy,
// with its own timeouts so it never queues behind the locks it diagnoses. Reads run one statement at a
// time in a READ ONLY transaction that is rolled back; only `transaction()` changes anything.
// Types only: pg is loaded when the first session is opened, so a run without PostgreSQL never loads it.
import type pg from 'pg';
import { lazyImport } from '../lazy.js';
import { errorMessage } from '../../support/errors.js';
export { errorMessage };

export const pgModule = lazyImport(() => import('pg'));

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

export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** The single session of one URL and the bounded ways to use it. */
export class PostgresConnection {
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

  /** An error naming the server and what was being done, never the password. */
  wrap(err: unknown, doing: string): PostgresTargetError {
    if (err instanceof PostgresTargetError) return err;
    const msg = this.sanitize(errorMessage(err));
    return new PostgresTargetError(`PostgreSQL ${this.display}: ${doing} failed: ${msg}`, errorCode(err));
  }

  /** The client settings of this URL: Orixoon's application name and timeouts. */
  protected connectionConfig(): pg.ClientConfig {
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
   * A session of its own on this URL, not the shared one, for what lives exactly as long as a session
   * (a lease's advisory lock). Connected within `timeoutMs`; every query on it is bounded by
   * `timeoutMs` too. The caller ends it; a dropped connection never crashes the process.
   */
  async separateSession(applicationName: string, timeoutMs: number): Promise<pg.Client> {
    const { Client } = (await pgModule()).default;
    let client: pg.Client;
    try {
      client = new Client({
        ...this.connectionConfig(),
        application_name: applicationName,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
      });
    } catch (err) {
      throw this.wrap(err, 'connect');
    }
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.end().catch(() => undefined);
      throw this.wrap(err, 'connect');
    }
    return client;
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

  /** server_version_num (e.g. 150004), read once per session. */
  async serverVersion(): Promise<number> {
    if (this.version === undefined) {
      const [row] = await this.query<{ v: string }>('SHOW server_version_num');
      this.version = Number(row.v);
    }
    return this.version;
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
