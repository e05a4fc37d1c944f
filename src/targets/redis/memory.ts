// Server state: memory as Redis measures it for maxmemory, whether writes are refused with OOM, lazy
// frees still pending, and a busy script or function ended.
import { replyCode, type RedisConnection } from './connection.js';

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
/** Memory as Redis measures it for maxmemory, plus the facts a report needs. */
export async function memory(db: RedisConnection): Promise<RedisMemory> {
  const info = await db.info();
  const num = (k: string): number => Number(info[k] ?? 0) || 0;
  const usedMemory = num('used_memory');
  const notCountedForEvict = num('mem_not_counted_for_evict');
  const countedMemory = Math.max(0, usedMemory - notCountedForEvict);
  const maxmemory = num('maxmemory');
  // errorstats exist from Redis 6.2 (total_error_replies); before, the OOM count is unknown.
  const oomErrors =
    'total_error_replies' in info ? Number(/count=(\d+)/.exec(info['errorstat_OOM'] ?? '')?.[1] ?? 0) : null;
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
export async function rejectsWritesWithOom(db: RedisConnection): Promise<boolean> {
  try {
    await db.run('OOM probe', (c) => c.set('orixoon:oom-probe', '', 'PX', 1000, 'XX'));
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
export async function waitLazyFree(db: RedisConnection, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const info = await db.info('memory');
    if (Number(info['lazyfree_pending_objects'] ?? 0) === 0 || Date.now() + delay >= end) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** SCRIPT KILL, then FUNCTION KILL when no script was running. Returns which one worked. */
export async function killBusyScript(db: RedisConnection): Promise<'script' | 'function' | 'none'> {
  const client = await db.connection();
  try {
    await client.call('SCRIPT', 'KILL');
    return 'script';
  } catch (err) {
    const code = replyCode(err);
    if (code === 'UNKILLABLE') throw db.wrap(err, 'SCRIPT KILL');
    if (code !== 'NOTBUSY') throw db.wrap(err, 'SCRIPT KILL');
  }
  try {
    await client.call('FUNCTION', 'KILL');
    return 'function';
  } catch (err) {
    const code = replyCode(err);
    if (code === 'NOTBUSY') return 'none';
    // Before Redis 7 there is no FUNCTION: nothing else could be busy.
    if (code === 'ERR' && /unknown command/i.test(err instanceof Error ? err.message : '')) return 'none';
    throw db.wrap(err, 'FUNCTION KILL');
  }
}
