// Remedies acting through the postgres target: end idle connections, end stuck transactions, cancel
// (then, if needed, terminate) lock blockers. Each one counts once against
// max_database_operations_per_session, whatever the number of sessions it ends. Only client backends
// are ever signalled; never Orixoon's own session, a protected user, a backup tool or the postmaster;
// every pid is re-checked on (pid, backend_start, state_change) in the statement that signals it.
import { formatSeconds } from '../../support/format.js';
import type { Finding, RemedyResult } from '../../core/types.js';
import { optionUrl, type RemedyContext, type RemedyDeclaration } from './remedy.js';
import { POSTGRES_DEFAULTS } from '../../core/defaults.js';
import { isSignallable, timeoutRecommendations } from '../../targets/postgres-sessions.js';
import {
  PostgresTargetError,
  type PgSession,
  type PostgresTarget,
  type SignalResult,
} from '../../targets/postgres/index.js';

/** Default bound on the sessions one action may signal (`healing_actions.<code>.max_sessions_per_action`). */
const DEFAULT_MAX_SESSIONS = 1000;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A threshold for this action: the finding's params (from the check), the check's options, the action config, the default. */
function setting(finding: Finding, ctx: RemedyContext, key: keyof typeof POSTGRES_DEFAULTS): number {
  return (
    num(finding.params?.[key]) ??
    num(ctx.check.options[key]) ??
    num(ctx.actionConfig[key]) ??
    POSTGRES_DEFAULTS[key]
  );
}

function maxSessions(ctx: RemedyContext): number {
  const v = num(ctx.actionConfig.max_sessions_per_action);
  return v && v > 0 ? Math.floor(v) : DEFAULT_MAX_SESSIONS;
}

function identity(s: PgSession) {
  return { pid: s.pid, backendStart: s.backendStart, stateChange: s.stateChange };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** How long the remedy may wait for signalled backends to exit (they go within milliseconds). */
function exitWaitMs(ctx: RemedyContext): number {
  return Math.max(500, Math.min(5_000, ctx.timeoutMs / 4, ctx.deadline - Date.now()));
}

/**
 * Turns a signalling outcome into an error when nothing was ended for lack of permission: the error
 * names the GRANT that fixes it.
 */
async function permissionProblem(target: PostgresTarget, result: SignalResult): Promise<string | undefined> {
  if (result.refused.length === 0) return undefined;
  const priv = await target.privileges();
  const who = priv.user;
  if (result.denied.length > 0) {
    return (
      `PostgreSQL role '${who}' may not signal ${plural(result.denied.length, 'session')} (pids ${result.denied.slice(0, 10).join(', ')}): ` +
      `it needs pg_signal_backend (superuser sessions need a superuser). Fix: GRANT pg_signal_backend TO ${who};`
    );
  }
  return `pg_terminate_backend/pg_cancel_backend returned false for pids ${result.refused.slice(0, 10).join(', ')} (not a backend any more, or not permitted). If '${who}' lacks it: GRANT pg_signal_backend TO ${who};`;
}

function rethrow(target: PostgresTarget, err: unknown, doing: string): never {
  const code = err instanceof PostgresTargetError ? err.pgCode : undefined;
  const msg = target.sanitize(err instanceof Error ? err.message : String(err));
  if (code === '42501') {
    throw new Error(
      `${doing}: permission denied on ${target.display} (${msg}). Fix: GRANT pg_signal_backend TO <orixoon's user>;`,
    );
  }
  throw new Error(`${doing} on ${target.display} failed: ${msg}`);
}

async function signalOrExplain(
  target: PostgresTarget,
  kind: 'terminate' | 'cancel',
  picked: PgSession[],
  filter: Parameters<PostgresTarget['signal']>[2],
  doing: string,
): Promise<SignalResult> {
  try {
    return await target.signal(kind, picked.map(identity), filter);
  } catch (err) {
    rethrow(target, err, doing);
  }
}

/**
 * Terminates the picked sessions that are still what they were, and waits (bounded) until they are
 * gone. Throws when none could be ended: with the GRANT that fixes a permission refusal, else saying
 * that every session changed since it was picked.
 */
async function terminatePicked(
  target: PostgresTarget,
  ctx: RemedyContext,
  picked: PgSession[],
  filter: Parameters<PostgresTarget['signal']>[2],
  doing: string,
  noun: string,
): Promise<{ result: SignalResult; lingering: number[] }> {
  const result = await signalOrExplain(target, 'terminate', picked, filter, doing);
  if (result.signalled.length === 0) {
    const problem = await permissionProblem(target, result);
    if (problem) throw new Error(problem);
    throw new Error(
      `None of the ${plural(picked.length, noun)} picked was still idle when re-checked; nothing terminated`,
    );
  }
  const lingering = await target.waitGone(result.signalled, exitWaitMs(ctx), ctx.signal);
  return { result, lingering };
}

const terminateIdleConnections: RemedyDeclaration = {
  action: 'terminate_idle_connections',
  category: 'database',
  risk: 'low',
  system: 'postgres',
  describe(finding) {
    const n = num(finding.evidence.idle_candidates);
    const mins = num(finding.params?.idle_minutes);
    const age = mins !== undefined ? ` (idle > ${formatSeconds(mins * 60)})` : '';
    return n !== undefined
      ? `Terminating ${plural(n, 'idle connection')}${age}...`
      : `Terminating idle connections${age}...`;
  },
  async run(finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.postgres(optionUrl(ctx.check.options));
    const idleMinutes = setting(finding, ctx, 'idle_minutes');
    const limit = maxSessions(ctx);
    const before = await target.poolUsage();
    const idle = (
      await target.sessions({ states: ['idle'], minStateSeconds: idleMinutes * 60, limit: limit * 2 })
    ).filter((s) => isSignallable(s, ctx.protected.database_users));
    if (idle.length === 0) {
      throw new Error(
        `No idle connection older than ${formatSeconds(idleMinutes * 60)} to terminate on ${target.display} ` +
          `(pool ${Math.round(before.percent)}%: ${JSON.stringify(before.byState)}); the connections are in use — raise max_connections or add a pooler`,
      );
    }
    const { result, lingering } = await terminatePicked(
      target,
      ctx,
      idle,
      { protectedUsers: ctx.protected.database_users, requireStates: ['idle'], limit },
      'Terminating idle connections',
      'idle connection',
    );
    const after = await target.poolUsage();
    const roles = [
      ...new Set(idle.filter((s) => result.signalled.includes(s.pid)).map((s) => s.user ?? '')),
    ].filter(Boolean);
    const recommendations = await timeoutRecommendations(target, roles, [
      {
        name: 'idle_session_timeout',
        value: '30min',
        why: 'closes connections an application forgot (or use a pooler)',
      },
    ]).catch(() => []);
    const warn = result.refused.length
      ? ` (${plural(result.refused.length, 'session')} not permitted: ${await permissionProblem(target, result)})`
      : '';
    return {
      details: `Connection pool now at ${Math.round(after.percent)}% (terminated ${plural(result.signalled.length, 'idle connection')})${warn}`,
      data: {
        terminated: result.signalled.length,
        pool_percent_before: before.percent,
        pool_percent_after: after.percent,
        pool_used_before: before.used,
        pool_used_after: after.used,
        pool_usable: after.usable,
        skipped_changed: result.skipped.length,
        refused: result.refused.length,
        still_exiting: lingering.length,
        idle_minutes: idleMinutes,
        limit,
      },
      recommendations,
    };
  },
};

const terminateIdleTransactions: RemedyDeclaration = {
  action: 'terminate_idle_transactions',
  category: 'database',
  risk: 'medium',
  system: 'postgres',
  describe(finding) {
    const n = num(finding.evidence.signallable) ?? num(finding.evidence.stuck);
    return n !== undefined
      ? `Terminating ${plural(n, 'stuck transaction')}...`
      : 'Terminating stuck transactions...';
  },
  async run(finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.postgres(optionUrl(ctx.check.options));
    const minutes = setting(finding, ctx, 'idle_transaction_minutes');
    const limit = maxSessions(ctx);
    const states = ['idle in transaction', 'idle in transaction (aborted)'];
    const stuck = (await target.sessions({ states, minStateSeconds: minutes * 60, limit: limit * 2 })).filter(
      (s) => isSignallable(s, ctx.protected.database_users),
    );
    if (stuck.length === 0) {
      throw new Error(
        `No unprotected session idle in transaction for more than ${formatSeconds(minutes * 60)} on ${target.display}`,
      );
    }
    const { result, lingering } = await terminatePicked(
      target,
      ctx,
      stuck,
      { protectedUsers: ctx.protected.database_users, requireStates: states, limit },
      'Terminating stuck transactions',
      'stuck transaction',
    );
    const ended = stuck.filter((s) => result.signalled.includes(s.pid));
    const roles = [...new Set(ended.map((s) => s.user ?? ''))].filter(Boolean);
    const recommendations = await timeoutRecommendations(target, roles, [
      {
        name: 'idle_in_transaction_session_timeout',
        value: '5min',
        why: 'ends sessions that leave a transaction open',
      },
    ]).catch(() => []);
    const longest = Math.max(...ended.map((s) => s.stateSeconds));
    return {
      details: `Terminated ${plural(result.signalled.length, 'stuck transaction')} (longest idle ${formatSeconds(longest)}); their uncommitted changes were rolled back`,
      data: {
        terminated: result.signalled.length,
        pids: result.signalled.slice(0, 50),
        users: roles,
        skipped_changed: result.skipped.length,
        refused: result.refused.length,
        still_exiting: lingering.length,
        idle_transaction_minutes: minutes,
      },
      recommendations,
    };
  },
};

const cancelBlockingQueries: RemedyDeclaration = {
  action: 'cancel_blocking_queries',
  category: 'database',
  risk: 'medium',
  system: 'postgres',
  describe(finding) {
    const blockers = Array.isArray(finding.evidence.blockers) ? finding.evidence.blockers.length : undefined;
    return blockers !== undefined
      ? `Cancelling ${plural(blockers, 'blocking query', 'blocking queries')}...`
      : 'Cancelling blocking queries...';
  },
  async run(finding, ctx: RemedyContext): Promise<RemedyResult> {
    const target = ctx.targets.postgres(optionUrl(ctx.check.options));
    const waitSeconds = setting(finding, ctx, 'lock_wait_seconds');
    const limit = maxSessions(ctx);
    const protectedUsers = ctx.protected.database_users;
    const waits = await target.lockWaits(waitSeconds);
    if (waits.length === 0) {
      return {
        details: 'No session waits on a lock any more; nothing to cancel',
        data: { cancelled: 0, terminated: 0 },
      };
    }
    const blockerPids = [...new Set(waits.flatMap((w) => w.blockingPids))];
    const blockers = await target.sessionsByPid(blockerPids);
    const allowed = blockers.filter((b) => isSignallable(b, protectedUsers));
    const untouchable = blockers.filter((b) => !isSignallable(b, protectedUsers));
    if (allowed.length === 0) {
      const who = untouchable
        .map((b) => `${b.pid} (${b.user ?? '?'}, ${b.applicationName || 'no application_name'})`)
        .join(', ');
      throw new Error(
        `The blocking sessions cannot be signalled: ${who || `pids ${blockerPids.join(', ')} are not client backends`}. End them by hand`,
      );
    }
    // A blocker not running a statement (idle in transaction, or idle holding an advisory lock) ignores
    // a cancel (there is no query to cancel): end it at once.
    const notRunning = allowed.filter((b) => b.state !== 'active');
    const active = allowed.filter((b) => b.state === 'active');
    const filter = { protectedUsers, limit };

    let cancelled: number[] = [];
    let terminated: number[] = [];
    const refused: SignalResult[] = [];
    if (notRunning.length) {
      const r = await signalOrExplain(
        target,
        'terminate',
        notRunning,
        filter,
        'Terminating blocking sessions',
      );
      terminated.push(...r.signalled);
      refused.push(r);
    }
    if (active.length) {
      const r = await signalOrExplain(
        target,
        'cancel',
        active,
        { ...filter, requireStates: ['active'] },
        'Cancelling blocking queries',
      );
      cancelled = r.signalled;
      refused.push(r);
      if (cancelled.length) {
        // Re-check on short polls: a cancelled statement's transaction aborts and releases its locks,
        // except when it ran inside a savepoint: then the outer transaction keeps the locks it took
        // before, idle in transaction (aborted) — terminate those.
        const graceEnd = Date.now() + Math.max(300, Math.min(1_500, ctx.timeoutMs / 4));
        let still = await target.stillBlocking(cancelled);
        for (
          let delay = 25;
          still.length && Date.now() + delay < graceEnd;
          delay = Math.min(delay * 2, 250)
        ) {
          await new Promise((r2) => setTimeout(r2, delay));
          still = await target.stillBlocking(still);
        }
        if (still.length) {
          const fresh = (await target.sessionsByPid(still)).filter((s) => isSignallable(s, protectedUsers));
          const t = await signalOrExplain(
            target,
            'terminate',
            fresh,
            filter,
            'Terminating blocking sessions',
          );
          terminated = [...terminated, ...t.signalled];
          refused.push(t);
        }
      }
    }
    const done = cancelled.length + terminated.length;
    if (done === 0) {
      for (const r of refused) {
        const problem = await permissionProblem(target, r);
        if (problem) throw new Error(problem);
      }
      throw new Error('The blocking sessions changed before they could be signalled; nothing was cancelled');
    }
    if (terminated.length) await target.waitGone(terminated, exitWaitMs(ctx), ctx.signal);
    const after = await target.lockWaits(waitSeconds);
    const onlyCancelled = cancelled.filter((p) => !terminated.includes(p));
    const parts: string[] = [];
    if (onlyCancelled.length)
      parts.push(`Cancelled ${plural(onlyCancelled.length, 'blocking query', 'blocking queries')}`);
    if (terminated.length) parts.push(`terminated ${plural(terminated.length, 'blocking session')}`);
    const txRoles = [
      ...new Set(allowed.filter((b) => terminated.includes(b.pid)).map((b) => b.user ?? '')),
    ].filter(Boolean);
    const recommendations = await timeoutRecommendations(target, txRoles, [
      {
        name: 'idle_in_transaction_session_timeout',
        value: '5min',
        why: 'ends sessions that leave a transaction open',
      },
    ]).catch(() => []);
    const detailsHead = parts.join(', ').replace(/^t/, 'T');
    return {
      details: `${detailsHead}; ${after.length === 0 ? 'no session waits on a lock any more' : `${plural(after.length, 'session')} still waiting over ${formatSeconds(waitSeconds)}`}`,
      data: {
        cancelled: onlyCancelled.length,
        terminated: terminated.length,
        blockers: allowed.map((b) => ({ pid: b.pid, user: b.user, state: b.state })),
        protected_blockers: untouchable.map((b) => b.pid),
        waiting_before: waits.length,
        waiting_after: after.length,
      },
      recommendations,
    };
  },
};

/** Remedies acting through the postgres target. */
export const postgresRemedies: RemedyDeclaration[] = [
  terminateIdleConnections,
  terminateIdleTransactions,
  cancelBlockingQueries,
];
