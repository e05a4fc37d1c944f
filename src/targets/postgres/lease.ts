// A lease on a PostgreSQL server: a session advisory lock, `pg_try_advisory_lock`, taken on a session of
// its own and held as long as that session lives. The server frees it the moment the session ends, so a
// killed holder frees it at once; `idle_session_timeout` (PostgreSQL 14+) ends a session that stops
// renewing, so a hung holder frees it after the TTL. The holder and expiry ride in a comment on each of
// the session's statements, which other sessions read from pg_stat_activity.
import type pg from 'pg';
import {
  LEASE_CALL_TIMEOUT_MS,
  leaseHolderJson,
  newLeaseToken,
  parseLeaseHolder,
  withLeaseTimeout,
  type LeaseAcquired,
  type LeaseHolder,
  type LeaseRefused,
  type LeaseStore,
} from '../lease.js';
import type { PostgresConnection } from './connection.js';

/** application_name of a lease's session (never signalled by Orixoon's own remedies). */
export const LEASE_APPLICATION_NAME = 'orixoon-lease';
/**
 * The lock is the two-key form (namespace, key): the application's own single-key advisory locks live
 * in another space (objsubid 1), so a lease can never collide with one of them.
 */
const NAMESPACE = 'orixoon-lease';
const LOCK_ARGS = 'hashtext($1), hashtext($2)';
const IS_LEASE_LOCK = `l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = hashtext($1)::oid AND l.objid = hashtext($2)::oid`;

/** The comment carried by the lease session's statements: what a refused caller reads back. */
function stamp(key: string, holder: LeaseHolder, expiresAt: number): string {
  const json = JSON.stringify({ key, holder: JSON.parse(leaseHolderJson(holder)) as unknown, expiresAt });
  // No slash at all in the comment: `*/` would end it early and `/*` would open a nested one.
  return `/* orixoon-lease ${json.replaceAll('/', '\\u002f')} */`;
}

function readStamp(query: string | null | undefined): {
  holder: LeaseHolder | null;
  expiresAt: number | null;
} {
  const m = /\/\* orixoon-lease (\{.*\}) \*\//s.exec(query ?? '');
  if (!m) return { holder: null, expiresAt: null };
  try {
    const o = JSON.parse(m[1]!) as { holder?: unknown; expiresAt?: unknown };
    return {
      holder: parseLeaseHolder(JSON.stringify(o.holder ?? null)),
      expiresAt: typeof o.expiresAt === 'number' ? o.expiresAt : null,
    };
  } catch {
    return { holder: null, expiresAt: null };
  }
}

interface HeldLease {
  key: string;
  holder: LeaseHolder;
  session: pg.Client;
}

export class PostgresLeaseStore implements LeaseStore {
  /** The sessions this store holds leases on, by token. */
  private readonly held = new Map<string, HeldLease>();

  constructor(
    private readonly db: PostgresConnection,
    private readonly timeoutMs = LEASE_CALL_TIMEOUT_MS,
  ) {}

  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAcquired | LeaseRefused> {
    // Set when the call gave up waiting: a lock taken after that would be held with nobody knowing its
    // token, so the session that took it is ended instead.
    let abandoned = false;
    return this.bounded(`lease '${key}'`, async (): Promise<LeaseAcquired | LeaseRefused> => {
      const session = await this.db.separateSession(LEASE_APPLICATION_NAME, this.timeoutMs);
      try {
        if (abandoned) throw new Error('gave up');
        await this.arm(session, ttlMs);
        // A holder that lets go between the refused try and the look at who holds it: try again.
        for (let attempt = 0; ; attempt++) {
          const [row] = (
            await session.query<{ ok: boolean }>(
              `SELECT pg_try_advisory_lock(${LOCK_ARGS}) AS ok ${stamp(key, holder, Date.now() + ttlMs)}`,
              [NAMESPACE, key],
            )
          ).rows;
          if (row?.ok && abandoned) throw new Error('gave up');
          if (row?.ok) {
            const token = newLeaseToken();
            this.held.set(token, { key, holder, session });
            session.once('end', () => this.held.delete(token));
            return { acquired: true, token };
          }
          const seen = await session.query<{ query: string | null }>(
            `SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE ${IS_LEASE_LOCK}`,
            [NAMESPACE, key],
          );
          if (seen.rows.length === 0 && attempt < 2) continue;
          await session.end().catch(() => undefined);
          return { acquired: false, ...readStamp(seen.rows[0]?.query) };
        }
      } catch (err) {
        await session.end().catch(() => undefined);
        throw err;
      }
    }).catch((err: unknown) => {
      abandoned = true;
      throw err;
    });
  }

  renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const lease = this.held.get(token);
    if (!lease || lease.key !== key) return Promise.resolve(false);
    return this.bounded(`lease renewal '${key}'`, async () => {
      try {
        await this.arm(lease.session, ttlMs);
        const [row] = (
          await lease.session.query<{ held: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_backend_pid() AND ${IS_LEASE_LOCK}) AS held
             ${stamp(key, lease.holder, Date.now() + ttlMs)}`,
            [NAMESPACE, key],
          )
        ).rows;
        return row?.held === true;
      } catch {
        // The session is gone (ended by the server after the TTL, or the connection broke): so is the lock.
        this.forget(token);
        return false;
      }
    });
  }

  release(key: string, token: string): Promise<boolean> {
    const lease = this.held.get(token);
    if (!lease || lease.key !== key) return Promise.resolve(false);
    return this.bounded(`lease release '${key}'`, async () => {
      try {
        const [row] = (
          await lease.session.query<{ ok: boolean }>(`SELECT pg_advisory_unlock(${LOCK_ARGS}) AS ok`, [
            NAMESPACE,
            key,
          ])
        ).rows;
        return row?.ok === true;
      } catch {
        return false;
      } finally {
        // Ending the session frees the lock in any case.
        this.forget(token);
      }
    });
  }

  /** Ends every session this store holds a lease on (their locks are freed with them). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.held.keys()].map(async (token) => this.forget(token)));
  }

  /** The server ends the session when it stays idle longer than the TTL (where it can: PostgreSQL 14+). */
  private async arm(session: pg.Client, ttlMs: number): Promise<void> {
    try {
      await session.query(`SET idle_session_timeout = ${Math.max(1, Math.round(ttlMs))}`);
    } catch (err) {
      // 42704: an older server without the setting; the lease then lasts as long as the session.
      if ((err as { code?: string }).code !== '42704') throw err;
    }
  }

  private forget(token: string): void {
    const lease = this.held.get(token);
    this.held.delete(token);
    lease?.session.end().catch(() => undefined);
  }

  private bounded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withLeaseTimeout(`PostgreSQL ${this.db.display}: ${what}`, this.timeoutMs, fn()).catch(
      (err: unknown) => {
        throw this.db.wrap(err, what);
      },
    );
  }
}
