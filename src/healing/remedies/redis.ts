// Remedies acting through the redis target. Nothing is lost: a key without a TTL is never removed, a
// protected key pattern is never touched, no KEYS and no whole-database flush, ever. Sweeps are
// bounded by the action's timeout and the run's deadline.
import type { Finding, RemedyResult } from '../../core/types.js';
import { optionUrl, type RemedyContext, type RemedyDeclaration } from './remedy.js';
import { REDIS_DEFAULTS } from '../../core/defaults.js';
import { evictionRecommendation, formatBytes } from '../../targets/redis-memory.js';
import { globToRegExp, replyCode, type RedisMemory, type RedisTarget } from '../../targets/redis/index.js';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function setting(finding: Finding, ctx: RemedyContext, key: keyof typeof REDIS_DEFAULTS): number {
  return (
    num(finding.params?.[key]) ??
    num(ctx.check.options[key]) ??
    num(ctx.actionConfig[key]) ??
    REDIS_DEFAULTS[key]
  );
}

/** When a sweep must stop: the action's own timeout or the run's deadline, keeping a moment to measure after. */
function sweepDeadline(ctx: RemedyContext): number {
  const end = Math.min(Date.now() + ctx.timeoutMs, ctx.deadline);
  return end - Math.min(2_000, Math.max(100, (end - Date.now()) * 0.1));
}

function pct(m: RedisMemory): string {
  return m.percent === null ? formatBytes(m.countedMemory) : `${Math.round(m.percent)}%`;
}

function assertMaster(target: RedisTarget, m: RedisMemory, action: string): void {
  if (m.role !== 'master') {
    throw new Error(
      `Refusing ${action} on ${target.display}: it is a ${m.role === 'slave' ? 'replica' : m.role} (writes and expiry happen on its master); run it against the master`,
    );
  }
}

async function memoryAfter(target: RedisTarget): Promise<RedisMemory> {
  // UNLINK frees large values in the background: wait (bounded, short polls) before measuring.
  await target.waitLazyFree(2_000).catch(() => undefined);
  return target.memory();
}

function memoryData(before: RedisMemory, after: RedisMemory): Record<string, unknown> {
  return {
    used_memory_before: before.countedMemory,
    used_memory_after: after.countedMemory,
    memory_percent_before: before.percent,
    memory_percent_after: after.percent,
    maxmemory: after.maxmemory,
    keys_before: before.keys,
    keys_after: after.keys,
  };
}

const flushExpiringKeys: RemedyDeclaration = {
  action: 'flush_expiring_keys',
  category: 'database',
  risk: 'low',
  system: 'redis',
  describe(finding) {
    const s = num(finding.params?.expiring_within_seconds) ?? REDIS_DEFAULTS.expiring_within_seconds;
    return `Removing keys that expire within ${s}s (keys without a TTL are kept)...`;
  },
  async run(finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.redis(optionUrl(ctx.check.options));
    const within = setting(finding, ctx, 'expiring_within_seconds');
    const before = await target.memory();
    assertMaster(target, before, 'flush_expiring_keys');
    const patterns = ctx.protected.redis_key_patterns.map(globToRegExp);
    const started = Date.now();
    const sweep = await target.unlinkExpiringKeys({
      maxTtlMs: within * 1000,
      // Without protected patterns no key needs a look here: the server decides each batch.
      isProtected: patterns.length ? (key) => patterns.some((p) => p.test(key)) : undefined,
      deadline: sweepDeadline(ctx),
    });
    const after = await memoryAfter(target);
    const seconds = (Date.now() - started) / 1000;
    const rec = evictionRecommendation(after);
    const data = {
      keys_removed: sweep.removed,
      keys_scanned: sweep.scanned,
      protected_skipped: sweep.protectedSkipped,
      sweep_complete: sweep.complete,
      sweep_mode: sweep.mode,
      expiring_within_seconds: within,
      sweep_seconds: Math.round(seconds * 100) / 100,
      ...memoryData(before, after),
    };
    if (sweep.removed === 0) {
      throw new Error(
        `No key with a TTL below ${within}s among ${sweep.scanned.toLocaleString('en-US')} scanned on ${target.display}` +
          `${sweep.complete ? '' : ' (sweep stopped at its deadline)'}; memory still ${pct(after)}. ` +
          'Keys without a TTL are never removed: raise maxmemory or change maxmemory-policy',
      );
    }
    return {
      details:
        `Removed ${sweep.removed.toLocaleString('en-US')} keys expiring within ${within}s; memory now at ${pct(after)} ` +
        `(was ${pct(before)}, ${formatBytes(before.countedMemory)} → ${formatBytes(after.countedMemory)})` +
        (sweep.complete
          ? ''
          : `; sweep stopped at its deadline after ${sweep.scanned.toLocaleString('en-US')} keys`),
      data,
      recommendations: rec ? [rec] : [],
    };
  },
};

const clearExpiredKeys: RemedyDeclaration = {
  action: 'clear_expired_keys',
  category: 'database',
  risk: 'low',
  system: 'redis',
  describe() {
    return 'Sweeping the keyspace so Redis drops already-expired keys...';
  },
  async run(_finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.redis(optionUrl(ctx.check.options));
    const before = await target.memory();
    assertMaster(target, before, 'clear_expired_keys');
    const sweep = await target.scanSweep(sweepDeadline(ctx));
    const after = await memoryAfter(target);
    const expired = Math.max(0, after.expiredKeys - before.expiredKeys);
    const rec = evictionRecommendation(after);
    return {
      details:
        `SCAN sweep dropped ${expired.toLocaleString('en-US')} expired keys; memory now at ${pct(after)} (was ${pct(before)})` +
        (sweep.complete
          ? ''
          : `; sweep stopped at its deadline after ${sweep.scanned.toLocaleString('en-US')} keys`),
      data: {
        keys_removed: expired,
        keys_scanned: sweep.scanned,
        sweep_complete: sweep.complete,
        ...memoryData(before, after),
      },
      recommendations: rec ? [rec] : [],
    };
  },
};

const killBusyScript: RemedyDeclaration = {
  action: 'kill_busy_script',
  category: 'database',
  risk: 'medium',
  system: 'redis',
  describe() {
    return 'Killing the busy Lua script or function (SCRIPT KILL / FUNCTION KILL)...';
  },
  async run(_finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.redis(optionUrl(ctx.check.options));
    let killed: 'script' | 'function' | 'none';
    try {
      killed = await target.killBusyScript();
    } catch (err) {
      if (replyCode(err) === 'UNKILLABLE') {
        throw new Error(
          `Redis ${target.display} answered UNKILLABLE: the busy script has already written data, so it cannot be killed safely. ` +
            'Only SHUTDOWN NOSAVE stops it (unsaved data is lost) — a person must decide',
        );
      }
      throw err;
    }
    const back = await target.waitResponding(Math.max(500, Math.min(5_000, ctx.timeoutMs / 2)), ctx.signal);
    if (!back.ok) {
      throw new Error(
        `Redis ${target.display} still not responding after ${killed === 'none' ? 'finding nothing to kill' : `killing the ${killed}`}: ${back.error ?? back.last ?? 'no answer'}`,
      );
    }
    return {
      details:
        killed === 'none'
          ? 'Redis no longer busy (the script had already finished)'
          : `Killed the busy ${killed}; Redis responding again`,
      data: { killed },
      recommendations: [
        'Keep Lua scripts and functions short (busy-reply-threshold / lua-time-limit), or move long work out of Redis',
      ],
    };
  },
};

/** Remedies acting through the redis target. */
export const redisRemedies: RemedyDeclaration[] = [flushExpiringKeys, clearExpiredKeys, killBusyScript];
