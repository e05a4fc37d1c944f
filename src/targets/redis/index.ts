// Redis target (ioredis). The only place that talks to Redis: a dedicated client per URL per run that
// fails fast on a dead server (connect/command timeouts, no offline queue, no retries, no reconnect
// loop). Never KEYS, never a flush of a whole database.
import { RedisConnection } from './connection.js';
import { scanSweep, unlinkExpiringKeys, type SweepResult } from './keys.js';
import { RedisLeaseStore } from './lease.js';
import { killBusyScript, memory, rejectsWritesWithOom, waitLazyFree, type RedisMemory } from './memory.js';

export {
  describeRedisUrl,
  parseRedisEndpoint,
  RedisTargetError,
  replyCode,
  type RedisEndpoint,
  type RedisTargetOptions,
} from './connection.js';
export { globToRegExp, type SweepResult } from './keys.js';
export { RedisLeaseStore, redisLeaseKey } from './lease.js';
export type { RedisMemory } from './memory.js';

export class RedisTarget extends RedisConnection {
  /** Memory as Redis measures it for maxmemory, plus the facts a report needs. */
  memory(): Promise<RedisMemory> {
    return memory(this);
  }

  /** Whether Redis rejects writes with OOM right now, asked without writing anything. */
  rejectsWritesWithOom(): Promise<boolean> {
    return rejectsWritesWithOom(this);
  }

  /** Polls until the background frees of UNLINKed values are done or `timeoutMs` ends. */
  waitLazyFree(timeoutMs: number): Promise<void> {
    return waitLazyFree(this, timeoutMs);
  }

  /** SCRIPT KILL, then FUNCTION KILL when no script was running. Returns which one worked. */
  killBusyScript(): Promise<'script' | 'function' | 'none'> {
    return killBusyScript(this);
  }

  /** A plain SCAN sweep over the whole keyspace (a master deletes the expired keys it visits). */
  scanSweep(deadline: number, count = 1000): Promise<SweepResult> {
    return scanSweep(this, deadline, count);
  }

  /** Leases held on this server (`SET NX PX` with a token); see targets/lease.ts. */
  leases(): RedisLeaseStore {
    return new RedisLeaseStore(this);
  }

  /** Removes keys whose TTL is above 0 and below `maxTtlMs`, each checked and unlinked atomically. */
  unlinkExpiringKeys(opts: Parameters<typeof unlinkExpiringKeys>[1]): ReturnType<typeof unlinkExpiringKeys> {
    return unlinkExpiringKeys(this, opts);
  }
}
