// Lease primitives: a named lease on a target, held on the target's own system so every runner that can
// reach the target sees it, with no extra infrastructure. Each system implements the same three calls;
// what to do about a held lease (wait, give up, report) is not decided here.
//
//   Docker      an atomically created named container (never started) with holder, token and expiry
//               labels; renewals are marker containers; an expired lease is taken over by removing the
//               old object by its id (the compare) and creating the name again (the swap).
//   PostgreSQL  a session advisory lock on a dedicated connection: freed the moment that session ends,
//               so a killed holder frees it at once; idle_session_timeout bounds a holder that hangs.
//   Redis       SET key value NX PX ttl; renew and release compare the token in a script first.
import { randomUUID } from 'node:crypto';

/** Who holds a lease: a workflow run, or a process on a host (a monitor). JSON-safe. */
export type LeaseHolder =
  { repository: string; workflow: string; runId: string; attempt: number } | { host: string; pid: number };

export type LeaseAcquired = { acquired: true; token: string };
/** Held by someone else: who (null when the system does not let us see it) and until when (epoch ms; null when unknown). */
export type LeaseRefused = { acquired: false; holder: LeaseHolder | null; expiresAt: number | null };

export interface LeaseStore {
  /** Takes the lease for `ttlMs` unless someone else holds it; an expired lease is taken over. */
  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAcquired | LeaseRefused>;
  /** Extends the lease to `ttlMs` from now; false when `token` no longer holds it (expired and taken). */
  renew(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up; false (and nothing changed) when `token` does not hold it. */
  release(key: string, token: string): Promise<boolean>;
}

/** Default bound on one lease call, whatever the system's own timeouts are. */
export const LEASE_CALL_TIMEOUT_MS = 10_000;

export function newLeaseToken(): string {
  return randomUUID();
}

/** Reads a holder back from its JSON; anything else is null (an object Orixoon did not write). */
export function parseLeaseHolder(text: string | undefined | null): LeaseHolder | null {
  if (!text) return null;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (
      typeof o.repository === 'string' &&
      typeof o.workflow === 'string' &&
      typeof o.runId === 'string' &&
      typeof o.attempt === 'number'
    )
      return { repository: o.repository, workflow: o.workflow, runId: o.runId, attempt: o.attempt };
    if (typeof o.host === 'string' && typeof o.pid === 'number') return { host: o.host, pid: o.pid };
  } catch {
    /* not JSON */
  }
  return null;
}

/** The holder as stored: its fields only, in a fixed order. */
export function leaseHolderJson(holder: LeaseHolder): string {
  return JSON.stringify(
    'host' in holder
      ? { host: holder.host, pid: holder.pid }
      : {
          repository: holder.repository,
          workflow: holder.workflow,
          runId: holder.runId,
          attempt: holder.attempt,
        },
  );
}

/** Rejects after `ms` with an error naming what did not finish, so no lease call can hang a run. */
export async function withLeaseTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
