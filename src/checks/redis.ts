// Redis: responding (not while LOADING), and memory as Redis measures it against maxmemory. Turns the
// redis target's facts into findings; never heals.
import * as z from 'zod';
import { redisUrlProblem } from '../config/redis-url.js';
import { defineCheckType, type CheckProblem, type HealingPlan, type RunContext } from './check-type.js';
import { dockerHostOption } from './docker-host.js';
import { thresholdFromConfig } from '../config/thresholds.js';
import type { CheckConfigView } from '../core/config-view.js';
import type { Check, CheckResult, Finding, IssueCode, VerifyResult } from '../core/types.js';
import { RedisTargetError, replyCode, type RedisMemory, type RedisTarget } from '../targets/redis/index.js';
import { MAX_AGE_SECONDS } from '../config/limits.js';
import { REDIS_DEFAULTS } from '../core/defaults.js';
import { evictionRecommendation, formatBytes } from '../targets/redis-memory.js';

export interface RedisCheckOptions {
  url?: string;
  container?: string;
  memory_full_percent: number;
  high_memory_percent: number;
  expiring_within_seconds: number;
}

const THRESHOLD_SOURCES: Record<keyof typeof REDIS_DEFAULTS, IssueCode> = {
  memory_full_percent: 'redis_memory_full',
  high_memory_percent: 'redis_high_memory',
  expiring_within_seconds: 'redis_memory_full',
};

/** Error replies a restart cannot fix: wrong credentials or missing permissions. */
const AUTH_REPLIES = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM', 'WRONGTYPE']);

export function resolveRedisOptions(
  own: Partial<RedisCheckOptions>,
  config: CheckConfigView | undefined,
): RedisCheckOptions {
  const pick = (key: keyof typeof REDIS_DEFAULTS): number =>
    own[key] ?? thresholdFromConfig(config, THRESHOLD_SOURCES[key], key) ?? REDIS_DEFAULTS[key];
  return {
    url: own.url,
    container: own.container,
    memory_full_percent: pick('memory_full_percent'),
    high_memory_percent: pick('high_memory_percent'),
    expiring_within_seconds: pick('expiring_within_seconds'),
  };
}

/** The redis target of a check (its own url, else the run's default: redis-url input or targets.redis.url). */
export function redisTargetFor(options: { url?: unknown }, ctx: RunContext): RedisTarget {
  return ctx.targets.redis(typeof options.url === 'string' ? options.url : undefined);
}

export function memoryEvidence(m: RedisMemory): Record<string, unknown> {
  return {
    used_memory: m.usedMemory,
    mem_not_counted_for_evict: m.notCountedForEvict,
    counted_memory: m.countedMemory,
    maxmemory: m.maxmemory,
    memory_percent: m.percent,
    maxmemory_policy: m.policy,
    keys: m.keys,
    role: m.role,
    oom_errors_total: m.oomErrors,
  };
}

function hostPort(display: string): { host: string; port: number | null; db: string | null } {
  const m = /^(.*):(\d+)\/(.*)$/.exec(display);
  return m ? { host: m[1], port: Number(m[2]), db: m[3] } : { host: display, port: null, db: null };
}

/** Memory is freed on a master only: a replica gets its data from there. */
function memoryPlan(f: Finding): HealingPlan | undefined {
  const role = f.facts?.role;
  if (typeof role !== 'string' || role === 'master') return undefined;
  return {
    manual: `this Redis is a ${role === 'slave' ? 'replica' : role}: free memory on its master, not here`,
  };
}

/** How a Redis that does not answer is healed, from what it replied; a restart only when it can help. */
function notRespondingPlan(f: Finding): HealingPlan {
  const facts = f.facts ?? {};
  const reply = typeof facts.reply === 'string' ? facts.reply : undefined;
  if (typeof facts.url_problem === 'string')
    return { manual: `${facts.url_problem}; restarting Redis would not help` };
  // A script or function runs past its time limit: kill it, never restart the server.
  if (reply === 'BUSY') return { action: 'kill_busy_script', params: { busy: true } };
  if (reply === 'LOADING')
    return {
      manual:
        'Redis is loading its dataset into memory; a restart would start the load over. Wait for it to finish',
    };
  if (reply && AUTH_REPLIES.has(reply))
    return {
      manual: `Redis refused Orixoon (${reply}): check the user and password in the Redis URL; restarting would not help`,
    };
  if (typeof facts.container === 'string') return { params: { container: facts.container } };
  return {
    manual:
      'no Redis container configured for this check (set `container:` to let Orixoon restart it); bring the server back by hand',
  };
}

export const redisCheck = defineCheckType({
  type: 'redis',
  targets: ['redis', 'docker'],
  description:
    '`url` (default `targets.redis.url`); `container`; `memory_full_percent` 95; `high_memory_percent` 80; `expiring_within_seconds` 300',
  codes: {
    redis_not_responding: {
      title: 'Redis not responding',
      action: 'restart_container',
      risk: 'low',
      advice: 'Check the Redis server logs and its memory/persistence settings',
      docs: { when: 'PING fails or times out (not while `LOADING`)' },
      plan: notRespondingPlan,
    },
    redis_memory_full: {
      title: 'Redis memory full',
      action: 'flush_expiring_keys',
      risk: 'low',
      docs: {
        when: 'used ≥ 95 % of maxmemory, or OOM replies',
        action: '`flush_expiring_keys` (TTL below 5 min)',
      },
      plan: memoryPlan,
    },
    redis_high_memory: {
      title: 'Redis high memory',
      action: 'clear_expired_keys',
      risk: 'low',
      docs: { when: 'used ≥ 80 % of maxmemory' },
      plan: memoryPlan,
    },
  },
  options: z.strictObject({
    url: z.string().min(1).optional().describe('Default: targets.redis.url (or the redis-url input).'),
    container: z
      .string()
      .min(1)
      .optional()
      .describe('Redis container, restarted when Redis does not respond.'),
    docker_host: dockerHostOption,
    memory_full_percent: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe('Default: healing_actions.redis_memory_full.memory_full_percent, else 95.'),
    high_memory_percent: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe('Default: healing_actions.redis_high_memory.high_memory_percent, else 80.'),
    expiring_within_seconds: z
      .number()
      .positive()
      .max(MAX_AGE_SECONDS)
      .optional()
      .describe(
        'flush_expiring_keys removes keys whose TTL is below this. Default: healing_actions.redis_memory_full.expiring_within_seconds, else 300.',
      ),
  }),
  validate(o): CheckProblem[] {
    const problem = o.url ? redisUrlProblem(o.url) : undefined;
    return problem ? [{ path: ['url'], message: problem }] : [];
  },
  create(spec, config): Check {
    const o = resolveRedisOptions(spec.options, config);
    const id = spec.id;
    const stabilizationMs = (config?.auto_healing?.stabilization_timeout_seconds ?? 10) * 1000;

    const base = (target: RedisTarget, code: IssueCode) => ({
      code,
      checkId: id,
      target: target.display,
      targetKey: `redis:${id}`,
    });

    const notResponding = (
      target: RedisTarget,
      err: unknown,
      extra: Record<string, unknown> = {},
    ): Finding => {
      const reply = replyCode(err);
      const error = target.sanitize(err instanceof Error ? err.message : String(err));
      const finding: Finding = {
        ...base(target, 'redis_not_responding'),
        message: `Redis ${target.display} not responding`,
        evidence: {
          ...hostPort(target.display),
          error,
          reply: reply ?? null,
          command_timeout_ms: target.timeouts.commandTimeoutMs,
          ...extra,
        },
      };
      const urlProblem = err instanceof RedisTargetError ? err.urlProblem : undefined;
      // Facts only: the code's declared rule (notRespondingPlan) turns them into the healing plan.
      finding.facts = {
        reply: reply ?? null,
        ...(urlProblem ? { url_problem: urlProblem } : {}),
        ...(o.container ? { container: o.container } : {}),
      };
      if (urlProblem) {
        // The URL is wrong (a database the server does not have, an index that is no number): the
        // server is fine and a restart would change nothing; no other database is ever used instead.
        finding.message = error;
        finding.evidence.db_index = target.db ?? null;
      } else if (reply === 'BUSY') {
        finding.message = `Redis ${target.display} busy running a script (BUSY)`;
      } else if (reply === 'LOADING') {
        finding.message = `Redis ${target.display} still loading its dataset (LOADING)`;
      }
      return finding;
    };

    const check: Check = {
      id,
      type: 'redis',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: { ...o },

      async run(ctx: RunContext): Promise<CheckResult> {
        const target = redisTargetFor(o, ctx);
        const facts = o.container ? { containers: [o.container] } : undefined;
        let loadedAfterMs: number | undefined;
        try {
          await target.ping();
        } catch (err) {
          if (replyCode(err) !== 'LOADING') return { findings: [notResponding(target, err)], facts };
          // LOADING: wait (short polls) within the stabilization time; never a restart.
          const t0 = Date.now();
          const waited = await target.waitResponding(
            Math.max(0, Math.min(stabilizationMs, ctx.deadline - Date.now())),
            ctx.signal,
          );
          if (!waited.ok) {
            return {
              findings: [
                notResponding(target, err, { waited_ms: Date.now() - t0, last_reply: waited.last ?? null }),
              ],
              facts,
            };
          }
          loadedAfterMs = Date.now() - t0;
        }

        const m = await target.memory();
        const loadNote =
          loadedAfterMs !== undefined ? `, finished loading after ${(loadedAfterMs / 1000).toFixed(1)}s` : '';
        if (m.maxmemory === 0) {
          return {
            findings: [],
            facts,
            summary: `responding, no maxmemory limit (${formatBytes(m.usedMemory)} used)${loadNote}`,
          };
        }
        const oom = await target.rejectsWritesWithOom();
        const pct = m.percent ?? 0;
        const findings: Finding[] = [];
        const recommendation = evictionRecommendation(m);
        const params = {
          expiring_within_seconds: o.expiring_within_seconds,
          memory_full_percent: o.memory_full_percent,
          high_memory_percent: o.high_memory_percent,
        };
        const size = `${formatBytes(m.countedMemory)} of ${formatBytes(m.maxmemory)}`;
        if (pct >= o.memory_full_percent || oom) {
          findings.push({
            ...base(target, 'redis_memory_full'),
            message: oom
              ? `Redis out of memory: writes rejected (OOM), ${Math.round(pct)}% of maxmemory (${size})`
              : `Redis memory ${Math.round(pct)}% full (${size})`,
            evidence: {
              ...memoryEvidence(m),
              oom_rejecting_writes: oom,
              threshold_percent: o.memory_full_percent,
            },
            params,
            ...(recommendation ? { recommendation } : {}),
            facts: { role: m.role },
          });
        } else if (pct >= o.high_memory_percent) {
          findings.push({
            ...base(target, 'redis_high_memory'),
            message: `Redis memory high: ${Math.round(pct)}% of maxmemory (${size})`,
            evidence: { ...memoryEvidence(m), threshold_percent: o.high_memory_percent },
            params,
            ...(recommendation ? { recommendation } : {}),
            facts: { role: m.role },
          });
        }
        return {
          findings,
          facts,
          summary: `responding, memory ${Math.round(pct)}% of maxmemory (${size}, ${m.policy})${loadNote}`,
          recommendations: findings.length && recommendation ? [recommendation] : [],
        };
      },

      async verify(finding: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> {
        const target = redisTargetFor(o, ctx);
        if (finding.code === 'redis_not_responding' || finding.code === 'check_error') {
          const r = await target.waitResponding(timeoutMs, ctx.signal);
          return r.ok
            ? { ok: true, detail: 'Redis now responding' }
            : {
                ok: false,
                detail: `Redis ${target.display} still not responding: ${r.error ?? r.last ?? 'no answer'}`,
              };
        }
        const limit = finding.code === 'redis_memory_full' ? o.memory_full_percent : o.high_memory_percent;
        const end = Date.now() + timeoutMs;
        let last = '';
        for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
          try {
            const m = await target.memory();
            const oom = finding.code === 'redis_memory_full' && (await target.rejectsWritesWithOom());
            const pct = m.percent ?? 0;
            if (pct < limit && !oom)
              return { ok: true, detail: `Redis memory now at ${Math.round(pct)}% of maxmemory` };
            last = oom
              ? `writes still rejected (OOM), memory ${Math.round(pct)}%`
              : `memory still ${Math.round(pct)}% of maxmemory`;
          } catch (err) {
            last = target.sanitize(err instanceof Error ? err.message : String(err));
          }
          if (Date.now() + delay >= end || ctx.signal.aborted) return { ok: false, detail: last };
          await new Promise((r) => setTimeout(r, delay));
        }
      },
    };
    return check;
  },
});
