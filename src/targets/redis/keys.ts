// Keys: glob matching as Redis does it, and the sweeps that remove expiring keys without ever using
// KEYS or a flush (SCAN, then an atomic PTTL check and UNLINK per key).
import type { Redis } from 'ioredis';
import { compileRegex, literal, type TextMatcher } from '../../config/regex.js';
import { replyCode, type RedisConnection } from './connection.js';

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

/**
 * A plain SCAN sweep (no MATCH/TYPE) over the whole keyspace: on a master, SCAN deletes the
 * already-expired keys it visits. Bounded by `deadline` (epoch ms).
 */
export async function scanSweep(db: RedisConnection, deadline: number, count = 1000): Promise<SweepResult> {
  return db.run('SCAN sweep', async (c) => {
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
export async function unlinkExpiringKeys(
  db: RedisConnection,
  opts: {
    maxTtlMs: number;
    isProtected?: (key: string) => boolean;
    deadline: number;
    count?: number;
  },
): Promise<SweepResult & { mode: 'server' | 'script' | 'watch' }> {
  const count = opts.count ?? 1000;
  const maxTtl = String(opts.maxTtlMs);
  return db.run('expiring-keys sweep', async (c) => {
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
