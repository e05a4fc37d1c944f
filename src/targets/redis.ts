// Redis target (ioredis). The only place that talks to Redis: a dedicated client per URL per run that
// fails fast on a dead server (connect/command timeouts, no offline queue, no retries, no reconnect
// loop). Never KEYS, never a flush of a whole database.
// Types only: ioredis is loaded when the first client is made, so a run without Redis never loads it.
import type { Redis } from 'ioredis';
import { compileRegex, literal, type TextMatcher } from '../config/regex.js';
import { lazyImport } from './lazy.js';
import { sanitize, urlSecrets } from './postgres.js';

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

export interface RedisMemory {
  usedMemory: number;
  notCountedForEvict: number;
  /** used_memory − mem_not_counted_for_evict: what Redis compares to maxmemory. */
  countedMemory: number;
  maxmemory: number;
  policy: string;
  /** counted / maxmemory × 100, or null when maxmemory is 0 (no limit). */
  percent: number | null;
  /** Cumulative OOM error replies since the server started (INFO errorstats), when known. */
  oomErrors: number | null;
  role: string;
  loading: boolean;
  expiredKeys: number;
  keys: number;
}

export interface SweepResult {
  /** Keys visited by SCAN. */
  scanned: number;
  /** Keys removed. */
  removed: number;
  /** Keys left alone because they match a protected pattern. */
  protectedSkipped: number;
  /** False when the deadline ended the sweep before the cursor came back to 0. */
  complete: boolean;
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

/**
 * Glob matching as Redis does it (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\\x`), on the linear-time engine:
 * a protected-key pattern like `*a*a*a*b` must not backtrack on every long key a sweep visits.
 */
export function globToRegExp(glob: string): TextMatcher {
  const chars = [...glob];
  let re = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < chars.length) re += literal(chars[++i]!);
    else if (c === '[') {
      const cls = globClass(chars, i + 1);
      re += cls.re;
      i = cls.end;
    } else re += literal(c);
  }
  return compileRegex(`^${re}$`);
}

/**
 * The class starting after `[` at `from`, read as Redis's stringmatch reads it: `^` negates, `\\x` is
 * x, `a-z` a range (a reversed one is swapped), the first `]` closes (so `[]` matches nothing and `[^]`
 * anything), and an unclosed class runs to the end of the pattern. `end` is the index of its last char.
 */
function globClass(chars: string[], from: number): { re: string; end: number } {
  let k = from;
  const negate = chars[k] === '^';
  if (negate) k++;
  let out = '';
  for (; k < chars.length && chars[k] !== ']'; k++) {
    if (chars[k] === '\\' && k + 1 < chars.length) out += literal(chars[++k]!);
    else if (chars[k + 1] === '-' && k + 2 < chars.length) {
      const [a, b] = [chars[k]!, chars[k + 2]!];
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      out += `${literal(lo)}-${literal(hi)}`;
      k += 2;
    } else out += literal(chars[k]!);
  }
  const end = Math.min(k, chars.length - 1);
  if (out === '') return { re: negate ? '[\\s\\S]' : '[^\\s\\S]', end };
  return { re: `[${negate ? '^' : ''}${out}]`, end };
}

// Removes each candidate only if, at this instant, it still has a TTL in (0, max): a key given no TTL
// (or a longer one) between the PTTL read and the delete is never removed. Returns how many went.
const UNLINK_IF_EXPIRING = `
local n = 0
local max = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  local t = redis.call('PTTL', k)
  if t > 0 and t < max then
    n = n + redis.call('UNLINK', k)
  end
end
return n`;

// A whole sweep step on the server, when no key needs a look from Orixoon (no protected pattern): one
// SCAN step, then each key's PTTL and the UNLINK of those still expiring, atomically, so no key travels
// to the client and back. Returns {next cursor, keys visited, keys removed}.
const SWEEP_EXPIRING = `
local r = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local max = tonumber(ARGV[3])
local keys = r[2]
local picked = {}
for i = 1, #keys do
  local t = redis.call('PTTL', keys[i])
  if t > 0 and t < max then picked[#picked + 1] = keys[i] end
end
local n = 0
for i = 1, #picked, 500 do
  n = n + redis.call('UNLINK', unpack(picked, i, math.min(i + 499, #picked)))
end
return {r[1], #keys, n}`;

/** Whether an error means this user may not run scripts (ACL NOPERM, a renamed/disabled EVAL). */
function scriptingRefused(err: unknown): boolean {
  const code = replyCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return code === 'NOPERM' || (code === 'ERR' && /unknown command|disabled|not allowed/i.test(msg));
}

const ttlBelow = (max: number) => (r: [Error | null, unknown] | undefined) =>
  !!r && !r[0] && typeof r[1] === 'number' && r[1] > 0 && r[1] < max;

/**
 * Without scripting: pipelined PTTL picks the candidates; WATCH them, read their PTTL again, and
 * UNLINK the still-eligible ones in MULTI/EXEC — EXEC aborts (nothing removed) if any of them changed.
 */
async function unlinkWatched(c: Redis, keys: Buffer[], maxTtlMs: number): Promise<number> {
  const first = c.pipeline();
  for (const k of keys) first.pttl(k);
  const ttls = (await first.exec()) ?? [];
  const candidates = keys.filter((_, i) => ttlBelow(maxTtlMs)(ttls[i]));
  if (candidates.length === 0) return 0;
  await c.watch(...candidates);
  const again = c.pipeline();
  for (const k of candidates) again.pttl(k);
  const ttls2 = (await again.exec()) ?? [];
  const eligible = candidates.filter((_, i) => ttlBelow(maxTtlMs)(ttls2[i]));
  if (eligible.length === 0) {
    await c.unwatch();
    return 0;
  }
  const res = await c
    .multi()
    .unlink(...eligible)
    .exec();
  return res ? Number(res[0]?.[1] ?? 0) : 0;
}

function parseInfo(text: string): Record<string, string> {
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

export class RedisTarget {
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

  private wrap(err: unknown, doing: string): RedisTargetError {
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

  private async connection(): Promise<Redis> {
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

  private async run<T>(doing: string, fn: (c: Redis) => Promise<T>): Promise<T> {
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

  /** Memory as Redis measures it for maxmemory, plus the facts a report needs. */
  async memory(): Promise<RedisMemory> {
    const info = await this.info();
    const num = (k: string): number => Number(info[k] ?? 0) || 0;
    const usedMemory = num('used_memory');
    const notCountedForEvict = num('mem_not_counted_for_evict');
    const countedMemory = Math.max(0, usedMemory - notCountedForEvict);
    const maxmemory = num('maxmemory');
    // errorstats exist from Redis 6.2 (total_error_replies); before, the OOM count is unknown.
    const oomErrors =
      'total_error_replies' in info
        ? Number(/count=(\d+)/.exec(info['errorstat_OOM'] ?? '')?.[1] ?? 0)
        : null;
    let keys = 0;
    for (const [k, v] of Object.entries(info)) {
      if (/^db\d+$/.test(k)) keys += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
    }
    return {
      usedMemory,
      notCountedForEvict,
      countedMemory,
      maxmemory,
      policy: info['maxmemory_policy'] ?? 'unknown',
      percent: maxmemory > 0 ? Math.round((countedMemory / maxmemory) * 1000) / 10 : null,
      oomErrors,
      role: info['role'] ?? 'unknown',
      loading: info['loading'] === '1',
      expiredKeys: num('expired_keys'),
      keys,
    };
  }

  /**
   * Whether Redis rejects writes with OOM right now, asked without writing anything: `SET … XX` on a
   * key that does not exist stores nothing, but a server out of memory refuses it before looking.
   */
  async rejectsWritesWithOom(): Promise<boolean> {
    try {
      await this.run('OOM probe', (c) => c.set('orixoon:oom-probe', '', 'PX', 1000, 'XX'));
      return false;
    } catch (err) {
      if (replyCode(err) === 'OOM') return true;
      // A read-only replica (READONLY) or a restricted user (NOPERM) cannot tell us: not OOM.
      if (['READONLY', 'NOPERM', 'MASTERDOWN'].includes(replyCode(err) ?? '')) return false;
      throw err;
    }
  }

  /**
   * Polls INFO on short intervals until the background frees of UNLINKed values are done
   * (`lazyfree_pending_objects` 0) or `timeoutMs` ends.
   */
  async waitLazyFree(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const info = await this.info('memory');
      if (Number(info['lazyfree_pending_objects'] ?? 0) === 0 || Date.now() + delay >= end) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Keys in the current database (DBSIZE). */
  dbsize(): Promise<number> {
    return this.run('DBSIZE', (c) => c.dbsize());
  }

  /** SCRIPT KILL, then FUNCTION KILL when no script was running. Returns which one worked. */
  async killBusyScript(): Promise<'script' | 'function' | 'none'> {
    const client = await this.connection();
    try {
      await client.call('SCRIPT', 'KILL');
      return 'script';
    } catch (err) {
      const code = replyCode(err);
      if (code === 'UNKILLABLE') throw this.wrap(err, 'SCRIPT KILL');
      if (code !== 'NOTBUSY') throw this.wrap(err, 'SCRIPT KILL');
    }
    try {
      await client.call('FUNCTION', 'KILL');
      return 'function';
    } catch (err) {
      const code = replyCode(err);
      if (code === 'NOTBUSY') return 'none';
      // Before Redis 7 there is no FUNCTION: nothing else could be busy.
      if (code === 'ERR' && /unknown command/i.test(err instanceof Error ? err.message : '')) return 'none';
      throw this.wrap(err, 'FUNCTION KILL');
    }
  }

  /**
   * A plain SCAN sweep (no MATCH/TYPE) over the whole keyspace: on a master, SCAN deletes the
   * already-expired keys it visits. Bounded by `deadline` (epoch ms).
   */
  async scanSweep(deadline: number, count = 1000): Promise<SweepResult> {
    return this.run('SCAN sweep', async (c) => {
      let cursor = '0';
      let scanned = 0;
      do {
        if (Date.now() >= deadline) return { scanned, removed: 0, protectedSkipped: 0, complete: false };
        const [next, keys] = await c.scan(cursor, 'COUNT', count);
        cursor = next;
        scanned += keys.length;
      } while (cursor !== '0');
      return { scanned, removed: 0, protectedSkipped: 0, complete: true };
    });
  }

  /**
   * Removes keys whose TTL is above 0 and below `maxTtlMs`: a SCAN COUNT loop; each batch (minus the
   * keys for which `isProtected` is true) goes to a script that reads each key's PTTL and UNLINKs it in
   * the same atomic step, so a key given no TTL (PTTL −1) in the meantime is never removed. Without
   * `isProtected`, the SCAN step runs in that script too (mode `server`). Where scripting is not allowed
   * (ACL, managed Redis), pipelined PTTL, then WATCH + re-check + MULTI/UNLINK. Bounded by `deadline`
   * (epoch ms).
   */
  async unlinkExpiringKeys(opts: {
    maxTtlMs: number;
    isProtected?: (key: string) => boolean;
    deadline: number;
    count?: number;
  }): Promise<SweepResult & { mode: 'server' | 'script' | 'watch' }> {
    const count = opts.count ?? 1000;
    const maxTtl = String(opts.maxTtlMs);
    return this.run('expiring-keys sweep', async (c) => {
      let cursor = '0';
      let scanned = 0;
      let removed = 0;
      let protectedSkipped = 0;
      let mode: 'server' | 'script' | 'watch' = 'script';
      let sha: string | undefined;
      if (!opts.isProtected) {
        let sweepSha: string | undefined;
        try {
          for (;;) {
            if (Date.now() >= opts.deadline)
              return { scanned, removed, protectedSkipped, complete: false, mode: 'server' };
            sweepSha ??= String(await c.script('LOAD', SWEEP_EXPIRING));
            let step: [unknown, unknown, unknown];
            try {
              step = (await c.evalsha(sweepSha, 0, cursor, String(count), maxTtl)) as typeof step;
            } catch (err) {
              if (replyCode(err) !== 'NOSCRIPT') throw err;
              sweepSha = undefined; // the script cache was flushed meanwhile: load it again
              continue;
            }
            cursor = String(step[0]);
            scanned += Number(step[1]);
            removed += Number(step[2]);
            if (cursor === '0') return { scanned, removed, protectedSkipped, complete: true, mode: 'server' };
          }
        } catch (err) {
          // No scripts, or none that may SCAN (an old server): the batches go through the client,
          // from the cursor reached so far.
          if (!scriptingRefused(err) && replyCode(err) !== 'ERR') throw err;
        }
      }
      const viaScript = async (keys: Buffer[]): Promise<number> => {
        sha ??= String(await c.script('LOAD', UNLINK_IF_EXPIRING));
        try {
          return Number(await c.evalsha(sha, keys.length, ...keys, maxTtl));
        } catch (err) {
          if (replyCode(err) !== 'NOSCRIPT') throw err;
          sha = undefined; // the script cache was flushed meanwhile: load it again
          return viaScript(keys);
        }
      };
      do {
        if (Date.now() >= opts.deadline) return { scanned, removed, protectedSkipped, complete: false, mode };
        const [next, keys] = await c.scanBuffer(cursor, 'COUNT', count);
        cursor = next.toString();
        scanned += keys.length;
        const open: Buffer[] = [];
        for (const k of keys) {
          if (opts.isProtected?.(k.toString('utf8'))) protectedSkipped++;
          else open.push(k);
        }
        if (open.length === 0) continue;
        if (mode === 'script') {
          try {
            removed += await viaScript(open);
            continue;
          } catch (err) {
            if (!scriptingRefused(err)) throw err;
            mode = 'watch';
          }
        }
        removed += await unlinkWatched(c, open, opts.maxTtlMs);
      } while (cursor !== '0');
      return { scanned, removed, protectedSkipped, complete: true, mode };
    });
  }

  /**
   * Polls PING on short intervals until it answers PONG or `timeoutMs` ends. Resolves the last error
   * reply code while not ready (`LOADING`, `BUSY`, a socket error) — never throws.
   */
  async waitResponding(
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ ok: boolean; last?: string; error?: string }> {
    const end = Date.now() + timeoutMs;
    let last: string | undefined;
    let error: string | undefined;
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
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
