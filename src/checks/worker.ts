// A background worker or scheduler (e.g. a scheduler or a pool of uvicorn workers): its container
// runs, its heartbeat (a Redis key or a SQL timestamp) is fresh, and the queue it drives makes
// progress. One finding per worker at most — the most basic failure — because every remedy here
// restarts the same container, and one restart answers all three.
import * as z from 'zod';
import { redisUrlProblem } from '../config/redis-url.js';
import { defineCheckType, type CheckProblem, type HealingPlan, type RunContext } from './check-type.js';
import { dockerHostOption } from './docker-host.js';
import type { Check, CheckResult, Finding, IssueCode, VerifyResult } from '../core/types.js';
import { DockerApiError } from '../targets/docker/index.js';
import {
  isMultiStatementError,
  PostgresTargetError,
  READ_ONLY_VIOLATION,
} from '../targets/postgres/index.js';
import { findQueueCheck, queueTable, type QueueOptions } from './queue.js';
import type { QueueProgress } from '../targets/queue-table.js';
import { MAX_AGE_SECONDS, MAX_MINUTES } from '../config/limits.js';

const heartbeatOptions = z
  .strictObject({
    redis_key: z
      .string()
      .min(1)
      .optional()
      .describe('Key holding a unix timestamp (s or ms) or an ISO date.'),
    redis_url: z.string().optional().describe('Default: targets.redis.url.'),
    sql: z
      .string()
      .min(1)
      .optional()
      .describe('Query whose first column of the first row is the last heartbeat.'),
    postgres_url: z.string().optional().describe('Default: targets.postgres.url.'),
    max_age_seconds: z.number().positive().max(MAX_AGE_SECONDS).default(120),
  })
  .refine((h) => (h.redis_key === undefined) !== (h.sql === undefined), {
    message: 'set exactly one of heartbeat.redis_key or heartbeat.sql',
  });

const options = z
  .strictObject({
    container: z.string().min(1).optional(),
    docker_host: dockerHostOption,
    heartbeat: heartbeatOptions.optional(),
    queue: z.string().optional().describe('Id of a queue check whose progress this worker drives.'),
    progress_window_minutes: z.number().positive().max(MAX_MINUTES).default(10),
  })
  .refine((o) => o.container !== undefined || o.heartbeat !== undefined || o.queue !== undefined, {
    message: 'a worker check needs at least one of container, heartbeat or queue',
  });

type WorkerOptions = z.infer<typeof options>;
type HeartbeatOptions = z.infer<typeof heartbeatOptions>;

/**
 * A heartbeat value as an epoch-ms time: a Date, a unix timestamp in seconds or milliseconds
 * (number or numeric string; values above 1e11 are milliseconds), or an ISO date. undefined = unreadable.
 */
export function parseHeartbeat(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n > 1e11 ? n : n * 1000;
  }
  if (typeof value === 'string') {
    const t = value.trim();
    if (/^\d+(\.\d+)?$/.test(t)) return parseHeartbeat(Number(t));
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

interface HeartbeatReading {
  source: string;
  /** Seconds since the heartbeat; null when there is none (or it is unreadable). */
  ageSeconds: number | null;
  raw?: string;
}

/**
 * heartbeat.sql runs as one statement in a READ ONLY transaction: a write or a second statement is
 * refused by PostgreSQL (nothing changed). Say so in the user's terms; other errors pass unchanged.
 */
function heartbeatSqlError(err: unknown): unknown {
  const refused =
    err instanceof PostgresTargetError && err.pgCode === READ_ONLY_VIOLATION
      ? 'it tries to write'
      : isMultiStatementError(err)
        ? 'it holds more than one statement'
        : undefined;
  if (!refused) return err;
  return new Error(
    `heartbeat.sql must be a single read-only query (e.g. SELECT max(beat_at) FROM heartbeats), but ${refused}: ` +
      `Orixoon runs it in a READ ONLY transaction, so nothing was changed (${err instanceof Error ? err.message : String(err)})`,
  );
}

async function readHeartbeat(h: HeartbeatOptions, ctx: RunContext): Promise<HeartbeatReading> {
  let value: unknown;
  let source: string;
  if (h.redis_key !== undefined) {
    const redis = ctx.targets.redis(h.redis_url);
    source = `Redis key '${h.redis_key}' on ${redis.display}`;
    value = await redis.get(h.redis_key);
  } else {
    const pg = ctx.targets.postgres(h.postgres_url);
    source = `SQL heartbeat on ${pg.display}`;
    let rows: Record<string, unknown>[];
    try {
      rows = await pg.query<Record<string, unknown>>(h.sql ?? '');
    } catch (err) {
      throw heartbeatSqlError(err);
    }
    value = rows.length ? Object.values(rows[0])[0] : null;
  }
  const at = parseHeartbeat(value);
  const raw =
    value === null || value === undefined
      ? undefined
      : String(value instanceof Date ? value.toISOString() : value).slice(0, 64);
  // A heartbeat from the future (clock skew) counts as just now.
  return { source, ageSeconds: at === undefined ? null : Math.max(0, (Date.now() - at) / 1000), raw };
}

const round = (s: number) => Math.round(s);

interface Evaluation {
  finding?: Finding;
  summary: string;
  heartbeat?: HeartbeatReading;
  progress?: QueueProgress;
}

/** A worker is healed by restarting its container: when there is one, and it exists. */
function workerPlan(f: Finding): HealingPlan {
  const container = f.facts?.container;
  if (typeof container !== 'string')
    return {
      manual: `No container set for worker check '${f.checkId}': set \`container\` to let Orixoon restart it`,
    };
  if (f.facts?.missing)
    return { manual: `Container '${container}' does not exist: deploy it (a restart cannot create it)` };
  return { params: { container } };
}

export const workerCheck = defineCheckType({
  type: 'worker',
  targets: ['docker', 'redis', 'postgres'],
  description:
    '`container`; `heartbeat` (`redis_key` or `sql`, with `max_age_seconds` 120); `queue` (a queue check id) and `progress_window_minutes` 10',
  codes: {
    worker_down: {
      title: 'Worker down',
      action: 'restart_worker',
      risk: 'low',
      docs: { when: 'worker container not running' },
      plan: workerPlan,
    },
    scheduler_stopped: {
      title: 'Scheduler stopped',
      action: 'restart_service',
      risk: 'low',
      docs: { when: 'heartbeat older than its limit' },
      plan: workerPlan,
    },
    worker_not_processing: {
      title: 'Worker not processing',
      action: 'restart_worker',
      risk: 'low',
      docs: { when: 'queue has work but no progress within its window' },
      plan: workerPlan,
    },
  },
  options,
  validate(o, config): CheckProblem[] {
    const problems: CheckProblem[] = [];
    if (!o.container && !o.heartbeat && !o.queue)
      problems.push({ path: [], message: 'a worker check needs `container`, `heartbeat` or `queue`' });
    if (o.queue !== undefined) {
      const q = config.phases.flatMap((p) => p.checks).find((c) => c.id === o.queue);
      if (!q || q.type !== 'queue')
        problems.push({ path: ['queue'], message: `"${o.queue}" is not the id of a queue check` });
    }
    if (o.heartbeat) {
      const hb = o.heartbeat;
      if (!hb.redis_key === !hb.sql)
        problems.push({
          path: ['heartbeat'],
          message: 'a heartbeat needs exactly one of `redis_key` or `sql`',
        });
      const problem = hb.redis_url ? redisUrlProblem(hb.redis_url) : undefined;
      if (problem) problems.push({ path: ['heartbeat', 'redis_url'], message: problem });
    }
    return problems;
  },
  create(spec, config): Check {
    const o: WorkerOptions = spec.options;
    const name = o.container ?? spec.id;
    const windowSeconds = o.progress_window_minutes * 60;
    const queue: QueueOptions | undefined = o.queue ? findQueueCheck(config, o.queue) : undefined;
    if (o.queue && !queue) {
      throw new Error(
        `Worker check '${spec.id}': queue '${o.queue}' is not the id of a queue check in this config`,
      );
    }

    const finding = (code: IssueCode, message: string, evidence: Record<string, unknown>): Finding => {
      const f: Finding = {
        code,
        checkId: spec.id,
        target: name,
        targetKey: o.container ? `container:${o.container}` : `worker:${spec.id}`,
        message,
        evidence,
      };
      if (o.container) f.facts = { container: o.container };
      return f;
    };

    /** Container state: undefined when running, else the finding. */
    const containerProblem = async (ctx: RunContext): Promise<Finding | undefined> => {
      if (!o.container) return undefined;
      try {
        const info = await ctx.targets.docker(o.docker_host).inspect(o.container, { signal: ctx.signal });
        if (info.State.Running && !info.State.Paused) return undefined;
        const state = info.State.Paused ? 'paused' : info.State.Status;
        return finding('worker_down', `Worker container '${o.container}' not running (${state})`, {
          container: o.container,
          state,
          exit_code: info.State.ExitCode,
        });
      } catch (err) {
        if (err instanceof DockerApiError && err.statusCode === 404) {
          const f = finding('worker_down', `Worker container '${o.container}' not found`, {
            container: o.container,
            state: 'missing',
          });
          f.facts = { ...f.facts, missing: true };
          return f;
        }
        throw err;
      }
    };

    const heartbeatProblem = (
      hb: HeartbeatReading,
      h: HeartbeatOptions,
      extra: Record<string, unknown>,
    ): Finding | undefined => {
      if (hb.ageSeconds !== null && hb.ageSeconds <= h.max_age_seconds) return undefined;
      const what =
        hb.ageSeconds === null
          ? `has no heartbeat (${hb.raw === undefined ? 'nothing' : `unreadable value '${hb.raw}'`} in ${hb.source})`
          : `heartbeat is ${Math.ceil(hb.ageSeconds)}s old (limit ${h.max_age_seconds}s)`; // ceil: never `2s old (limit 2s)`
      return finding('scheduler_stopped', `Scheduler '${name}' ${what}`, {
        source: hb.source,
        heartbeat_age_seconds: hb.ageSeconds === null ? null : round(hb.ageSeconds),
        max_age_seconds: h.max_age_seconds,
        ...extra,
      });
    };

    const progressProblem = (p: QueueProgress, q: QueueOptions): Finding | undefined => {
      if (p.waiting === 0 || p.processed > 0) return undefined;
      const last = p.lastProgressSeconds === null ? 'never' : `${round(p.lastProgressSeconds / 60)} min ago`;
      return finding(
        'worker_not_processing',
        `Worker '${name}' not processing: ${p.waiting} items waiting in '${q.table}', none processed in ` +
          `${o.progress_window_minutes} min`,
        {
          queue: o.queue,
          table: q.table,
          waiting: p.waiting,
          processed_in_window: p.processed,
          last_progress: last,
          progress_window_minutes: o.progress_window_minutes,
        },
      );
    };

    const evaluate = async (ctx: RunContext): Promise<Evaluation> => {
      const down = await containerProblem(ctx);
      if (down) return { finding: down, summary: down.message };
      const heartbeat = o.heartbeat ? await readHeartbeat(o.heartbeat, ctx) : undefined;
      const progress = queue ? await queueTable(queue, ctx).progress(windowSeconds) : undefined;
      const parts: string[] = [];
      if (o.container) parts.push('running');
      if (heartbeat?.ageSeconds != null) parts.push(`heartbeat ${round(heartbeat.ageSeconds)}s old`);
      if (progress)
        parts.push(
          `${progress.processed} processed in ${o.progress_window_minutes} min, ${progress.waiting} waiting`,
        );
      const progressEvidence = progress
        ? { waiting: progress.waiting, processed_in_window: progress.processed }
        : {};
      const f =
        (heartbeat && o.heartbeat && heartbeatProblem(heartbeat, o.heartbeat, progressEvidence)) ||
        (progress && queue && progressProblem(progress, queue)) ||
        undefined;
      return { finding: f, summary: f ? f.message : parts.join(', '), heartbeat, progress };
    };

    /** Re-evaluates on short polls until the finding's code is gone or the time is up. */
    const pollUntilClear = async (
      code: IssueCode,
      ctx: RunContext,
      timeoutMs: number,
      intervalMs: number,
    ): Promise<{ ok: boolean; last: Evaluation }> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const last = await evaluate(ctx);
        if (last.finding?.code !== code && last.finding?.code !== 'worker_down')
          return { ok: !last.finding, last };
        if (Date.now() + intervalMs >= end || ctx.signal.aborted) return { ok: false, last };
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    };

    return {
      id: spec.id,
      type: 'worker',
      phase: spec.phase,
      // At most one finding per worker (down > heartbeat > progress): any of them means not fixed.
      exclusiveFindings: true,
      dependsOn: spec.dependsOn,
      options: o,
      async run(ctx: RunContext): Promise<CheckResult> {
        const e = await evaluate(ctx);
        return {
          findings: e.finding ? [e.finding] : [],
          summary: e.summary,
          facts: o.container ? { containers: [o.container] } : undefined,
        };
      },
      async verify(f: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> {
        if (f.code === 'worker_down' && o.container) {
          const w = await ctx.targets
            .docker(o.docker_host)
            .waitFor(o.container, (i) => i.State.Running && !i.State.Paused, timeoutMs, {
              signal: ctx.signal,
            });
          if (!w.ok)
            return {
              ok: false,
              detail: `Worker container '${o.container}' still ${w.info?.State.Status ?? 'missing'}`,
            };
          // Running again: the heartbeat and progress must hold too. A worker that was down longer
          // than max_age_seconds left a stale heartbeat, so give it the rest of the time to write one.
          const end = Date.now() + Math.max(0, timeoutMs - w.waitedMs);
          let rest = await evaluate(ctx);
          while (rest.finding && Date.now() + 250 < end && !ctx.signal.aborted) {
            await new Promise((r) => setTimeout(r, 250));
            rest = await evaluate(ctx);
          }
          return rest.finding
            ? { ok: false, detail: `Worker container running, but: ${rest.finding.message}` }
            : { ok: true, detail: `Worker container '${o.container}' running` };
        }
        // A restarted scheduler writes its heartbeat within moments: poll it quickly.
        const interval = f.code === 'scheduler_stopped' ? 250 : 500;
        const { ok, last } = await pollUntilClear(f.code, ctx, timeoutMs, interval);
        if (ok && f.code === 'scheduler_stopped') {
          return {
            ok,
            detail: `Scheduler heartbeat fresh again (${round(last.heartbeat?.ageSeconds ?? 0)}s old)`,
          };
        }
        if (ok && f.code === 'worker_not_processing') {
          return {
            ok,
            detail: `Worker processing again (${last.progress?.processed ?? 0} items in ${o.progress_window_minutes} min)`,
          };
        }
        return { ok, detail: ok ? `Worker '${name}' healthy` : `Still failing: ${last.summary}` };
      },
    };
  },
});
