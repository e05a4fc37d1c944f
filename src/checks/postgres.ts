// PostgreSQL: reachable, connection pool use, lock waits and stuck transactions. Turns the postgres
// target's facts into findings; never heals. Reuses the run's single session for the URL.
import * as z from 'zod';
import { defineCheckType, type HealingPlan, type RunContext } from './check-type.js';
import { dockerHostOption } from './docker-host.js';
import type { CheckConfigView } from '../core/config-view.js';
import type { Check, CheckResult, Finding, IssueCode, VerifyResult } from '../core/types.js';
import { formatSeconds } from '../support/format.js';
import { PostgresTargetError, type PgSession, type PostgresTarget } from '../targets/postgres/index.js';
import { isSignallable, roleIdent, timeoutRecommendations } from '../targets/postgres-sessions.js';
import { MAX_MINUTES, MAX_SECONDS } from '../config/limits.js';
import { POSTGRES_DEFAULTS } from '../core/defaults.js';
import { thresholdFromConfig } from '../config/thresholds.js';

/** Resolved options of one postgres check (thresholds filled in). */
export interface PostgresCheckOptions {
  url?: string;
  container?: string;
  pool_threshold_percent: number;
  idle_minutes: number;
  lock_wait_seconds: number;
  idle_transaction_minutes: number;
}

/** Which `healing_actions.<code>` entry may hold each threshold (the documented way). */
const THRESHOLD_SOURCES: Record<keyof typeof POSTGRES_DEFAULTS, IssueCode> = {
  pool_threshold_percent: 'db_pool_exhausted',
  idle_minutes: 'db_pool_exhausted',
  lock_wait_seconds: 'db_table_locks',
  idle_transaction_minutes: 'db_stuck_transactions',
};

/** SQLSTATE classes a restart cannot fix: bad password, unknown role or database, no permission. */
const NOT_FIXED_BY_RESTART = /^(28|3D|42501)/;

/** Findings list at most this many sessions in their evidence. */
const EVIDENCE_SESSIONS = 20;

export function resolvePostgresOptions(
  own: Partial<PostgresCheckOptions>,
  config: CheckConfigView | undefined,
): PostgresCheckOptions {
  const pick = (key: keyof typeof POSTGRES_DEFAULTS): number =>
    own[key] ?? thresholdFromConfig(config, THRESHOLD_SOURCES[key], key) ?? POSTGRES_DEFAULTS[key];
  return {
    url: own.url,
    container: own.container,
    pool_threshold_percent: pick('pool_threshold_percent'),
    idle_minutes: pick('idle_minutes'),
    lock_wait_seconds: pick('lock_wait_seconds'),
    idle_transaction_minutes: pick('idle_transaction_minutes'),
  };
}

/** The postgres target of a check (its own url, else the run's default: postgres-url input or targets.postgres.url). */
export function postgresTargetFor(options: { url?: unknown }, ctx: RunContext): PostgresTarget {
  return ctx.targets.postgres(typeof options.url === 'string' ? options.url : undefined);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A session as evidence: who, what state, for how long — never its query text (it may hold secrets). */
export function sessionEvidence(s: PgSession): Record<string, unknown> {
  return {
    pid: s.pid,
    user: s.user,
    database: s.database,
    application_name: s.applicationName,
    client_addr: s.clientAddr,
    state: s.state,
    state_seconds: round1(s.stateSeconds),
    transaction_seconds: s.xactSeconds === null ? null : round1(s.xactSeconds),
  };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** A restart only when it can help: not while the server recovers, not for a refused login. */
function unreachablePlan(f: Finding): HealingPlan {
  const pgCode = typeof f.evidence.code === 'string' ? f.evidence.code : undefined;
  // cannot_connect_now: starting up, shutting down or in crash recovery. Like Redis LOADING, this
  // means wait: a restart would only start the recovery over.
  if (pgCode === '57P03')
    return {
      manual: `the server is starting up or recovering (57P03): wait for it to accept connections; restarting it would start the recovery over`,
    };
  if (pgCode && NOT_FIXED_BY_RESTART.test(pgCode))
    return {
      manual: `the server answered but refused Orixoon (${pgCode}): check the user, password and database in the connection string; restarting would not help`,
    };
  if (typeof f.facts?.container === 'string') return { params: { container: f.facts.container } };
  return {
    manual:
      'no database container configured for this check (set `container:` to let Orixoon restart it); bring the server back by hand',
  };
}

export const postgresCheck = defineCheckType({
  type: 'postgres',
  targets: ['postgres', 'docker'],
  description:
    '`url` (default `targets.postgres.url`); `container` (restarted when unreachable); `pool_threshold_percent` 90; `idle_minutes` 5; `lock_wait_seconds` 30; `idle_transaction_minutes` 5',
  codes: {
    db_unreachable: {
      title: 'Database unreachable',
      action: 'restart_container',
      risk: 'medium',
      advice: 'Check the database server logs, its disk and max_connections',
      category: 'database',
      docs: {
        when: 'connect or `SELECT 1` fails / times out',
        action: '`restart_container` (the db container)',
      },
      plan: unreachablePlan,
    },
    db_pool_exhausted: {
      title: 'Connection pool exhausted',
      action: 'terminate_idle_connections',
      risk: 'low',
      category: 'database',
      docs: {
        when: 'client backends ≥ 90 % of usable slots',
        action: '`terminate_idle_connections` (idle > 5 min)',
      },
    },
    db_table_locks: {
      title: 'Table locks',
      action: 'cancel_blocking_queries',
      risk: 'medium',
      category: 'database',
      docs: {
        when: 'sessions waiting on a lock > 30 s',
        action: '`cancel_blocking_queries` (cancel, re-check, then terminate)',
      },
    },
    db_stuck_transactions: {
      title: 'Stuck transactions',
      action: 'terminate_idle_transactions',
      risk: 'medium',
      category: 'database',
      docs: { when: '`idle in transaction` > 5 min' },
      plan: (f) =>
        f.facts?.signallable === 0
          ? {
              manual:
                'every stuck transaction belongs to a protected database user or a backup tool: end it by hand',
            }
          : undefined,
    },
  },
  options: z.strictObject({
    url: z.string().min(1).optional().describe('Default: targets.postgres.url (or the postgres-url input).'),
    container: z.string().min(1).optional().describe('Database container, restarted when unreachable.'),
    docker_host: dockerHostOption,
    pool_threshold_percent: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe('Default: healing_actions.db_pool_exhausted.pool_threshold_percent, else 90.'),
    idle_minutes: z
      .number()
      .nonnegative()
      .max(MAX_MINUTES)
      .optional()
      .describe(
        'Idle connections older than this are ended. Default: healing_actions.db_pool_exhausted.idle_minutes, else 5.',
      ),
    lock_wait_seconds: z
      .number()
      .nonnegative()
      .max(MAX_SECONDS)
      .optional()
      .describe('Default: healing_actions.db_table_locks.lock_wait_seconds, else 30.'),
    idle_transaction_minutes: z
      .number()
      .nonnegative()
      .max(MAX_MINUTES)
      .optional()
      .describe('Default: healing_actions.db_stuck_transactions.idle_transaction_minutes, else 5.'),
  }),
  create(spec, config): Check {
    const o = resolvePostgresOptions(spec.options, config);
    const protectedUsers = config?.protected?.database_users ?? [];
    const id = spec.id;

    const base = (target: PostgresTarget, code: IssueCode) => ({
      code,
      checkId: id,
      target: target.display,
      targetKey: `postgres:${id}`,
    });

    const unreachable = (target: PostgresTarget, err: unknown): Finding => {
      const message = target.sanitize(err instanceof Error ? err.message : String(err));
      const pgCode = err instanceof PostgresTargetError ? err.pgCode : undefined;
      const [host, rest = ''] = target.display.split(/:(?=\d)/);
      const finding: Finding = {
        ...base(target, 'db_unreachable'),
        message: `PostgreSQL database ${target.display} unreachable`,
        evidence: {
          host,
          port: Number(rest.split('/')[0]) || null,
          database: rest.split('/')[1] ?? null,
          error: message,
          code: pgCode ?? null,
        },
      };
      finding.facts = { ...(o.container ? { container: o.container } : {}) };
      return finding;
    };

    const check: Check = {
      id,
      type: 'postgres',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: { ...o },

      async run(ctx: RunContext): Promise<CheckResult> {
        const target = postgresTargetFor(o, ctx);
        const facts = o.container ? { containers: [o.container] } : undefined;
        try {
          await target.ping();
        } catch (err) {
          return { findings: [unreachable(target, err)], facts };
        }
        const findings: Finding[] = [];
        const roles: { idle: string[]; tx: string[] } = { idle: [], tx: [] };

        // Pool use.
        const pool = await target.poolUsage();
        const idle = await target.sessions({ states: ['idle'], minStateSeconds: o.idle_minutes * 60 });
        const idleSignallable = idle.filter((s) => isSignallable(s, protectedUsers));
        if (pool.percent >= o.pool_threshold_percent) {
          roles.idle = unique(idleSignallable.map((s) => s.user ?? '').filter(Boolean));
          findings.push({
            ...base(target, 'db_pool_exhausted'),
            message: `Database connection pool ${Math.round(pool.percent)}% full (${pool.used}/${pool.usable} connections)`,
            evidence: {
              pool_used: pool.used,
              pool_usable: pool.usable,
              pool_percent: pool.percent,
              max_connections: pool.maxConnections,
              reserved_connections: pool.reserved,
              by_state: pool.byState,
              threshold_percent: o.pool_threshold_percent,
              idle_minutes: o.idle_minutes,
              idle_candidates: idleSignallable.length,
              idle_sessions: idleSignallable.slice(0, EVIDENCE_SESSIONS).map(sessionEvidence),
            },
            params: { idle_minutes: o.idle_minutes, pool_threshold_percent: o.pool_threshold_percent },
          });
        }

        // Lock waits.
        const waits = await target.lockWaits(o.lock_wait_seconds);
        if (waits.length > 0) {
          const blockerPids = unique(waits.flatMap((w) => w.blockingPids));
          const blockers = await target.sessionsByPid(blockerPids);
          const longest = Math.max(...waits.map((w) => w.waitSeconds));
          roles.tx.push(
            ...blockers.filter((b) => b.state?.startsWith('idle in transaction')).map((b) => b.user ?? ''),
          );
          findings.push({
            ...base(target, 'db_table_locks'),
            message: `${waits.length} ${waits.length === 1 ? 'session' : 'sessions'} waiting on locks for more than ${formatSeconds(o.lock_wait_seconds)} (longest ${formatSeconds(longest)})`,
            evidence: {
              waiting: waits.length,
              longest_wait_seconds: round1(longest),
              lock_wait_seconds: o.lock_wait_seconds,
              waiters: waits.slice(0, EVIDENCE_SESSIONS).map((w) => ({
                ...sessionEvidence(w.waiter),
                wait_seconds: round1(w.waitSeconds),
                blocked_by: w.blockingPids,
              })),
              blockers: blockers.map((b) => ({
                ...sessionEvidence(b),
                protected: !isSignallable(b, protectedUsers),
              })),
            },
            params: { lock_wait_seconds: o.lock_wait_seconds },
          });
        }

        // Stuck transactions.
        const stuck = await target.sessions({
          states: ['idle in transaction', 'idle in transaction (aborted)'],
          minStateSeconds: o.idle_transaction_minutes * 60,
        });
        const stuckSignallable = stuck.filter((s) => isSignallable(s, protectedUsers));
        if (stuck.length > 0) {
          roles.tx.push(...stuckSignallable.map((s) => s.user ?? ''));
          const longest = Math.max(...stuck.map((s) => s.stateSeconds));
          findings.push({
            ...base(target, 'db_stuck_transactions'),
            message: `${stuck.length} ${stuck.length === 1 ? 'transaction' : 'transactions'} idle in transaction for more than ${formatSeconds(o.idle_transaction_minutes * 60)} (longest ${formatSeconds(longest)})`,
            evidence: {
              stuck: stuck.length,
              signallable: stuckSignallable.length,
              longest_seconds: round1(longest),
              idle_transaction_minutes: o.idle_transaction_minutes,
              sessions: stuck
                .slice(0, EVIDENCE_SESSIONS)
                .map((s) => ({ ...sessionEvidence(s), protected: !isSignallable(s, protectedUsers) })),
            },
            params: { idle_transaction_minutes: o.idle_transaction_minutes },
            facts: { signallable: stuckSignallable.length },
          });
        }

        const recommendations: string[] = [];
        const priv = await target.privileges();
        if (!priv.readAllStats) {
          // Without it, other roles' sessions show no state: idle and stuck sessions stay invisible.
          recommendations.push(
            `PostgreSQL role '${priv.user}' cannot see other roles' session states, so idle and stuck sessions of other roles go undetected: GRANT pg_monitor TO ${roleIdent(priv.user)};`,
          );
        }
        if (findings.length > 0) {
          const txRoles = unique(roles.tx.filter(Boolean));
          const idleRoles = roles.idle;
          const recs = [
            ...(await timeoutRecommendations(target, txRoles, [
              {
                name: 'idle_in_transaction_session_timeout',
                value: '5min',
                why: 'ends sessions that leave a transaction open',
              },
            ])),
            ...(await timeoutRecommendations(target, idleRoles, [
              {
                name: 'idle_session_timeout',
                value: '30min',
                why: 'closes connections an application forgot (or use a pooler)',
              },
            ])),
          ];
          recommendations.push(...recs);
          for (const f of findings) {
            const mine =
              f.code === 'db_pool_exhausted'
                ? recs.filter((r) => r.includes('idle_session_timeout'))
                : recs.filter((r) => r.includes('idle_in_transaction'));
            if (mine.length) f.recommendation = mine.join('\n');
          }
        }

        return {
          findings,
          facts,
          summary: `reachable, pool ${Math.round(pool.percent)}% (${pool.used}/${pool.usable}), no lock waits over ${formatSeconds(o.lock_wait_seconds)}, no stuck transactions`,
          recommendations,
        };
      },

      async verify(finding: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> {
        const target = postgresTargetFor(o, ctx);
        const end = Date.now() + timeoutMs;
        let last = '';
        for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
          const left = Math.max(250, Math.min(end - Date.now(), 5_000));
          const r = await verifyOnce(finding.code, target, o, protectedUsers, left);
          if (r.ok) return r;
          last = r.detail;
          if (Date.now() + delay >= end || ctx.signal.aborted)
            return { ok: false, detail: `still failing: ${last}` };
          await new Promise((res) => setTimeout(res, delay));
        }
      },
    };
    return check;
  },
});

async function verifyOnce(
  code: IssueCode,
  target: PostgresTarget,
  o: PostgresCheckOptions,
  protectedUsers: string[],
  probeTimeoutMs: number,
): Promise<VerifyResult> {
  if (code === 'db_unreachable') {
    // A fresh connection each time: the shared session may still be the dead one.
    const p = await target.probe(probeTimeoutMs);
    return p.ok
      ? { ok: true, detail: 'Database now accepting connections (SELECT 1 ok)' }
      : { ok: false, detail: `PostgreSQL ${target.display} still unreachable: ${p.error ?? 'no answer'}` };
  }
  try {
    if (code === 'db_pool_exhausted') {
      const pool = await target.poolUsage();
      return pool.percent < o.pool_threshold_percent
        ? {
            ok: true,
            detail: `Connection pool now at ${Math.round(pool.percent)}% (${pool.used}/${pool.usable})`,
          }
        : { ok: false, detail: `Connection pool still ${Math.round(pool.percent)}% full` };
    }
    if (code === 'db_table_locks') {
      const waits = await target.lockWaits(o.lock_wait_seconds);
      return waits.length === 0
        ? { ok: true, detail: 'No sessions waiting on locks' }
        : { ok: false, detail: `${waits.length} sessions still waiting on locks` };
    }
    if (code === 'db_stuck_transactions') {
      const stuck = await target.sessions({
        states: ['idle in transaction', 'idle in transaction (aborted)'],
        minStateSeconds: o.idle_transaction_minutes * 60,
      });
      return stuck.length === 0
        ? { ok: true, detail: 'No transactions left idle in transaction' }
        : {
            ok: false,
            detail: `${stuck.length} transactions still idle in transaction${stuck.some((s) => !isSignallable(s, protectedUsers)) ? ' (some belong to protected users)' : ''}`,
          };
    }
    await target.ping();
    return { ok: true, detail: 'Database responding' };
  } catch (err) {
    return { ok: false, detail: target.sanitize(err instanceof Error ? err.message : String(err)) };
  }
}
