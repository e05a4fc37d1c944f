// PostgreSQL target (pg). The only place that talks to PostgreSQL: one session per URL per run,
// shared by every check and remedy, with its own timeouts so it never queues behind the locks it
// diagnoses. Knows nothing of policy: callers decide what to signal, this module does it safely.
// Reads (every check, and user-given SQL) run one statement at a time in a READ ONLY transaction
// that is rolled back; only `transaction()` and `signal()` (remedies) may change anything.
import { PostgresConnection } from './connection.js';
import { PostgresLeaseStore } from './lease.js';
import { lockWaits, stillBlocking, type LockWait } from './locks.js';
import {
  currentUser,
  listSessions,
  ownPid,
  poolUsage,
  privileges,
  readSettings,
  roleSettings,
  sessionsByPid,
  signalSessions,
  waitGone,
  type PgSession,
  type PoolUsage,
  type SessionIdentity,
  type SignalFilter,
  type SignalResult,
} from './sessions.js';

export {
  describePostgresUrl,
  isMultiStatementError,
  ORIXOON_APPLICATION_NAME,
  PostgresTargetError,
  READ_ONLY_VIOLATION,
  sanitize,
  SYNTAX_ERROR,
  urlSecrets,
  type PostgresTargetOptions,
  type QueryFn,
} from './connection.js';
export { LEASE_APPLICATION_NAME, PostgresLeaseStore } from './lease.js';
export type { LockWait } from './locks.js';
export {
  PROTECTED_APPLICATIONS,
  type PgSession,
  type PoolUsage,
  type SessionIdentity,
  type SignalFilter,
  type SignalResult,
} from './sessions.js';

export class PostgresTarget extends PostgresConnection {
  /** Leases held on this server as session advisory locks, each on a session of its own; see targets/lease.ts. */
  leases(): PostgresLeaseStore {
    return new PostgresLeaseStore(this);
  }

  /** Orixoon's own backend pid. */
  ownPid(): Promise<number> {
    return ownPid(this);
  }

  currentUser(): Promise<string> {
    return currentUser(this);
  }

  /** Pool use: client backends vs usable slots (max_connections − reserved slots). */
  poolUsage(): Promise<PoolUsage> {
    return poolUsage(this);
  }

  /** Client backend sessions (never Orixoon's own), optionally filtered by state and minimum age in it. */
  sessions(
    filter: { states?: string[]; minStateSeconds?: number; limit?: number } = {},
  ): Promise<PgSession[]> {
    return listSessions(this, filter);
  }

  /** Sessions by pid (client backends only). */
  sessionsByPid(pids: number[]): Promise<PgSession[]> {
    return sessionsByPid(this, pids);
  }

  /** Sessions waiting on a heavyweight lock for at least `minWaitSeconds`, with their blockers. */
  lockWaits(minWaitSeconds: number): Promise<LockWait[]> {
    return lockWaits(this, minWaitSeconds);
  }

  /** Of `pids`, the ones that still block some session. */
  stillBlocking(pids: number[]): Promise<number[]> {
    return stillBlocking(this, pids);
  }

  /** What Orixoon's role may see and do (signal other roles' backends, read all session states). */
  privileges(): ReturnType<typeof privileges> {
    return privileges(this);
  }

  /** Current values of settings (`pg_settings`), by name; unknown names are left out. */
  settings(names: string[]): Promise<Record<string, string>> {
    return readSettings(this, names);
  }

  /** Settings configured for roles (`ALTER ROLE … SET`), by role, then by setting name. */
  roleSettings(roles: string[], names: string[]): Promise<Record<string, Record<string, string>>> {
    return roleSettings(this, roles, names);
  }

  /**
   * Terminates (or cancels) exactly the picked sessions that still are what they were when picked, in
   * one statement; bounded by `limit`.
   */
  signal(
    kind: 'terminate' | 'cancel',
    picked: SessionIdentity[],
    filter: SignalFilter & { requireStates?: string[]; limit: number },
  ): Promise<SignalResult> {
    return signalSessions(this, kind, picked, filter);
  }

  /** Polls until none of `pids` is in pg_stat_activity any more, or the timeout ends; returns those left. */
  waitGone(pids: number[], timeoutMs: number, signal?: AbortSignal): Promise<number[]> {
    return waitGone(this, pids, timeoutMs, signal);
  }
}
