// The Redis client of one URL: a dedicated client per URL per run that fails fast on a dead server
// (connect/command timeouts, no offline queue, no retries, no reconnect loop), in the URL's database.
// Types only: ioredis is loaded when the first client is made, so a run without Redis never loads it.
import type { Redis } from 'ioredis';
import { lazyImport } from '../lazy.js';
import { sanitize, urlSecrets } from '../postgres/connection.js';

const ioredisModule = lazyImport(() => import('ioredis'));

export interface RedisTargetOptions {
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

const DEFAULTS: Required<RedisTargetOptions> = { connectTimeoutMs: 3_000, commandTimeoutMs: 3_000 };

/** An error from the redis target; its message names host:port/db, never the password. */
export class RedisTargetError extends Error {
  /** First word of a Redis error reply (`LOADING`, `BUSY`, `OOM`, `NOAUTH`…) or a socket code. */
  readonly reply?: string;
  /**
   * Set when the URL itself is wrong (an unparsable URL, a database index that is not a number or
   * that the server does not have): what to fix in it. No restart helps.
   */
  readonly urlProblem?: string;
  constructor(message: string, reply?: string, urlProblem?: string) {
    super(message);
    this.name = 'RedisTargetError';
    this.reply = reply;
    this.urlProblem = urlProblem;
  }
}

/** `host:port/db` of a Redis URL, never its password. */
export function describeRedisUrl(url: string): string {
  if (url.startsWith('/') && !url.startsWith('//')) {
    const q = url.indexOf('?');
    const db = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('db');
    return `${q === -1 ? url : url.slice(0, q)}/${db ?? '0'}`;
  }
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `redis://${url.replace(/^\/\//, '')}`);
    const db = u.pathname.replace(/^\//, '') || u.searchParams.get('db') || '0';
    return `${u.hostname || 'localhost'}:${u.port || '6379'}/${db}`;
  } catch {
    return 'redis (unparsable URL)';
  }
}

/** What the target connects to: the URL without its database index, and that index. */
export interface RedisEndpoint {
  /** The URL with no database index in it, so the client itself never SELECTs. */
  connectUrl: string;
  db: number;
}

/**
 * Splits a Redis URL (`redis://…/N`, `rediss://…`, `host:port`, a socket path with `?db=N`) into
 * the URL to connect to and its database index (0 when none is given). Throws a RedisTargetError
 * (its `urlProblem` says what to fix) for a URL that does not parse or an index that is not a
 * non-negative integer — the client would otherwise send `SELECT NaN`, or none at all and use 0.
 */
export function parseRedisEndpoint(url: string): RedisEndpoint {
  const display = describeRedisUrl(url);
  const problem = (what: string): RedisTargetError =>
    new RedisTargetError(`Redis ${display}: ${what}`, undefined, what);
  const index = (raw: string, where: string): number => {
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
      throw problem(
        `the database index '${shown}' (${where}) is not a whole number ≥ 0: use redis://host:port/N with N a database the server has (0 to databases − 1, 0–15 by default)`,
      );
    }
    return Number(raw);
  };
  if (url.startsWith('/') && !url.startsWith('//')) {
    // A unix socket path; only `?db=` can name the database.
    const q = url.indexOf('?');
    if (q === -1) return { connectUrl: url, db: 0 };
    const params = new URLSearchParams(url.slice(q + 1));
    const raw = params.get('db');
    params.delete('db');
    const rest = params.toString();
    return {
      connectUrl: url.slice(0, q) + (rest ? `?${rest}` : ''),
      db: raw === null ? 0 : index(raw, '?db='),
    };
  }
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `redis://${url.replace(/^\/\//, '')}`);
  } catch {
    throw problem('the Redis URL does not parse: expected redis://[user:password@]host:port/db');
  }
  if (!/^rediss?:$/i.test(u.protocol)) {
    throw problem(`the URL scheme '${u.protocol}' is not redis: or rediss:`);
  }
  const fromPath = u.pathname.length > 1 ? index(u.pathname.slice(1), 'URL path') : undefined;
  const query = u.searchParams.get('db');
  const fromQuery = query === null ? undefined : index(query, '?db=');
  if (fromPath !== undefined && fromQuery !== undefined && fromPath !== fromQuery) {
    throw problem(`the URL names two databases (path /${fromPath}, ?db=${fromQuery}): keep one`);
  }
  u.pathname = '';
  u.searchParams.delete('db');
  return { connectUrl: u.toString(), db: fromPath ?? fromQuery ?? 0 };
}

/** First word of a Redis error reply, when it is one (`LOADING`, `BUSY`, `OOM`…). */
export function replyCode(err: unknown): string | undefined {
  if (err instanceof RedisTargetError) return err.reply;
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^([A-Z][A-Z_]+)\b/.exec(msg);
  if (m) return m[1];
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/**
 * Closes a client's socket. ioredis' disconnect() arms a timer (2 s) that only the socket's 'close'
 * clears; on a socket that has closed already (a refused connect, a server that went away) it never
 * is, and that timer alone keeps the process alive after the run.
 */
function drop(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}

/** The client of one URL and the bounded way every command runs on it. */
export class RedisConnection {
  private readonly options: Required<RedisTargetOptions>;
  private readonly secrets: string[];
  /** Human name of the server: host:port/db. */
  readonly display: string;
  private client?: Redis;
  private connecting?: Promise<Redis>;
  private closed = false;
  /** Why a client's connection failed, as ioredis reported it in its 'error' event. */
  private readonly reasons = new WeakMap<Redis, unknown>();

  readonly url: string;
  /** Where to connect and which database to SELECT, or why the URL cannot be used (thrown on connect). */
  private readonly endpoint: RedisEndpoint | RedisTargetError;

  constructor(url: string, options: RedisTargetOptions = {}) {
    this.url = url;
    this.options = { ...DEFAULTS, ...options };
    this.secrets = urlSecrets(url);
    this.display = describeRedisUrl(url);
    try {
      this.endpoint = parseRedisEndpoint(url);
    } catch (err) {
      this.endpoint = this.wrap(err, 'reading the URL');
    }
  }

  /** The database index this target works in (the URL's), or undefined when the URL is unusable. */
  get db(): number | undefined {
    return this.endpoint instanceof RedisTargetError ? undefined : this.endpoint.db;
  }

  get timeouts(): Required<RedisTargetOptions> {
    return { ...this.options };
  }

  sanitize(text: string): string {
    return sanitize(text, this.secrets);
  }

  /** An error naming the server and what was being done, never the password. */
  wrap(err: unknown, doing: string): RedisTargetError {
    if (err instanceof RedisTargetError) return err;
    const msg = this.sanitize(err instanceof Error ? err.message : String(err));
    return new RedisTargetError(`Redis ${this.display}: ${doing} failed: ${msg}`, replyCode(err));
  }

  private async newClient(connectUrl: string): Promise<Redis> {
    // The URL carries no database index: a SELECT issued by ioredis itself on connect fails silently
    // (an 'error' event, the connection left in database 0) or unhandled (`SELECT NaN`).
    const { Redis } = (await ioredisModule()).default;
    const client = new Redis(connectUrl, {
      connectTimeout: this.options.connectTimeoutMs,
      commandTimeout: this.options.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      lazyConnect: true,
      // The ready check would wait through LOADING silently; Orixoon wants to see LOADING.
      enableReadyCheck: false,
      connectionName: 'orixoon',
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
    });
    // Errors surface on the commands; an unhandled 'error' event must never crash the process. ioredis
    // reports why it gave up (WRONGPASS, ECONNREFUSED…) only here, then fails commands with a bare
    // "Connection is closed": keep the first reason to report it instead.
    client.on('error', (err: unknown) => {
      if (!this.reasons.has(client)) this.reasons.set(client, err);
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    return client;
  }

  /** The ready client, connected (and in the URL's database) on first use. */
  async connection(): Promise<Redis> {
    if (this.closed) throw new RedisTargetError(`Redis ${this.display}: target already closed`);
    if (this.client && this.client.status === 'ready') return this.client;
    if (this.client) {
      drop(this.client);
      this.client = undefined;
    }
    const endpoint = this.endpoint;
    if (endpoint instanceof RedisTargetError) throw endpoint;
    this.connecting ??= (async () => {
      let client: Redis;
      try {
        client = await this.newClient(endpoint.connectUrl);
      } catch (err) {
        throw this.wrap(err, 'connect');
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        // Bounded as a whole: TCP connect, AUTH and SELECT (a server that accepts and never answers).
        await Promise.race([
          client.connect().then(() => this.select(client, endpoint.db)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${this.options.connectTimeoutMs} ms`)),
              this.options.connectTimeoutMs,
            );
          }),
        ]);
      } catch (err) {
        drop(client);
        throw err instanceof RedisTargetError ? err : this.wrap(this.reasons.get(client) ?? err, 'connect');
      } finally {
        clearTimeout(timer);
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * SELECTs the URL's database on a fresh connection; a refusal throws, and the caller drops the
   * connection unused — never a command in another database.
   */
  private async select(client: Redis, db: number): Promise<void> {
    if (db === 0) return;
    try {
      await client.select(db);
    } catch (err) {
      const msg = this.sanitize(err instanceof Error ? err.message : String(err));
      if (!/DB index is out of range|invalid DB index/i.test(msg)) throw this.wrap(err, `SELECT ${db}`);
      // How many databases there are, when the server lets us ask (CONFIG may be renamed or denied).
      const count = await client
        .config('GET', 'databases')
        .then((r) => (Array.isArray(r) ? Number(r[1]) : NaN))
        .catch(() => NaN);
      const range = Number.isInteger(count) && count > 0 ? ` (it has ${count}: 0–${count - 1})` : '';
      const what = `database ${db} does not exist on this server${range}; fix the database index in the Redis URL`;
      throw new RedisTargetError(
        `Redis ${this.display}: SELECT ${db} failed: ${msg}: ${what}`,
        replyCode(err),
        what,
      );
    }
  }

  /** Runs `fn` on the client; a broken or timed-out connection is dropped, the error names the server. */
  async run<T>(doing: string, fn: (c: Redis) => Promise<T>): Promise<T> {
    const client = await this.connection();
    try {
      return await fn(client);
    } catch (err) {
      const msg = err instanceof Error ? err.message : '';
      // A timed-out command leaves its reply in flight: drop the connection so replies never shift.
      const broken = /timed out|Connection is closed|Stream isn't writeable|ECONNRESET|EPIPE/i.test(msg);
      if (broken) {
        if (this.client === client) this.client = undefined;
        drop(client);
      }
      const reason = broken && !/timed out/i.test(msg) ? this.reasons.get(client) : undefined;
      throw this.wrap(reason ?? err, doing);
    }
  }

  /** PING; resolves `PONG`, throws a RedisTargetError whose `reply` is e.g. `LOADING` or `BUSY`. */
  ping(): Promise<string> {
    return this.run('PING', (c) => c.ping());
  }

  get(key: string): Promise<string | null> {
    return this.run(`GET ${key}`, (c) => c.get(key));
  }

  /** INFO (default sections), parsed. */
  async info(section?: string): Promise<Record<string, string>> {
    const text = await this.run('INFO', (c) => (section ? c.info(section) : c.info()));
    return parseInfo(text);
  }

  /** Keys in the current database (DBSIZE). */
  dbsize(): Promise<number> {
    return this.run('DBSIZE', (c) => c.dbsize());
  }

  /**
   * Polls PING on short intervals until it answers PONG or `timeoutMs` ends. Resolves the last error
   * reply code while not ready (`LOADING`, `BUSY`, a socket error) — never throws. The first polls
   * come quickly (5, 10, 20 ms…: a refused connection costs next to nothing), so a server that has
   * just been started is seen answering within a few milliseconds of its first PONG.
   */
  async waitResponding(
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ ok: boolean; last?: string; error?: string }> {
    const end = Date.now() + timeoutMs;
    let last: string | undefined;
    let error: string | undefined;
    for (let delay = 5; ; delay = Math.min(delay * 2, 250)) {
      try {
        await this.ping();
        return { ok: true };
      } catch (err) {
        last = replyCode(err);
        error = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() + delay >= end || signal?.aborted) return { ok: false, last, error };
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.connecting;
    const client = this.client ?? (pending ? await pending.catch(() => undefined) : undefined);
    this.client = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([client.quit(), new Promise((r) => (timer = setTimeout(r, 500)))]);
    } catch {
      /* already gone */
    } finally {
      clearTimeout(timer);
    }
    drop(client);
  }
}
