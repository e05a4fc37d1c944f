// Taking the lease on the target an action acts on before acting: at once when it is free, else
// waiting for it first come first served, then looking again. The wait/lock decision is the policy's
// (leaseWaitDecision); the lease objects are the targets' (lease.ts); this file only waits.
import type { Check, Finding, Outcome } from '../core/types.js';
import type { RunContext } from '../checks/check-type.js';
import type { OrixoonConfig } from '../config/schema.js';
import type { LeaseHolder, LeaseRefused, LeaseStore } from '../targets/lease.js';
import { abortReason, errorMessage } from '../support/abortable.js';
import {
  actsOn,
  describeLeaseHolder,
  leaseUnavailableReason,
  leaseWaitDecision,
  retryDecision,
} from './policy.js';
import { HeldLease, leaseStoreFor, ticketKey } from './lease.js';

/** What the wait needs of the healing context (the heal loop's context fits it). */
export interface LeaseWaitContext {
  run: RunContext;
  config: OrixoonConfig;
  leaseHolder: LeaseHolder;
  jitter?: () => number;
  race<T>(p: Promise<T>, what: string): Promise<T>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  redetect(check: Check, finding: Finding): Promise<Finding | 'gone'>;
}

export function leaseProblem(hc: LeaseWaitContext, message: string): void {
  hc.run.log.say(`⚠️ ${message}`);
  hc.run.log.warn(message);
}

export type LeaseStart =
  { kind: 'go'; finding: Finding; lease?: HeldLease } | { kind: 'stop'; outcome: Outcome; reason: string };

/**
 * Takes the lease on the target an action acts on, on the target's own system. Held by another run:
 * waits (policy.leaseWaitDecision), first come first served by a ticket (see lease.ts), then looks
 * again: `recovered` when the other run healed it, `locked` when it is still held. A lease that cannot
 * be asked for (its system unreachable) is `locked` too: nothing is done without it.
 */
export async function takeLease(
  hc: LeaseWaitContext,
  st: { check: Check },
  f: Finding,
  action: string,
): Promise<LeaseStart> {
  const { signal, deadline } = hc.run;
  const key = actsOn(f);
  const ttlMs = hc.config.safety_limits.lease_seconds * 1000;
  const waitLimitMs = hc.config.safety_limits.lease_wait_seconds * 1000;
  const problem = (m: string): void => leaseProblem(hc, m);
  const stopped = (): LeaseStart => ({
    kind: 'stop',
    outcome: 'failed',
    reason: `not healed: ${abortReason(signal)}`,
  });
  const unavailable = (e: unknown): LeaseStart =>
    signal.aborted
      ? stopped()
      : { kind: 'stop', outcome: 'locked', reason: leaseUnavailableReason(key, errorMessage(e)) };

  let store: LeaseStore | null;
  try {
    store = await hc.race(leaseStoreFor(action, f, st.check, hc.run), `lease on ${key}`);
  } catch (e) {
    return unavailable(e);
  }
  // A command's action has no system of its own to hold a lease on.
  if (!store) return { kind: 'go', finding: f };
  const leases = store;
  const take = (k: string) => hc.race(leases.acquire(k, hc.leaseHolder, ttlMs), `lease on ${k}`);

  let seen: LeaseRefused;
  try {
    const first = await take(key);
    if (first.acquired)
      return { kind: 'go', finding: f, lease: new HeldLease(leases, key, first.token, ttlMs, problem) };
    seen = first;
  } catch (e) {
    return unavailable(e);
  }
  const since = Date.now();
  hc.run.log.say(
    `🔒 ${key} is held by ${describeLeaseHolder(seen.holder)}: waiting up to ${hc.config.safety_limits.lease_wait_seconds} s (lease_wait_seconds)…`,
  );
  hc.run.log.info(`Lease on ${key} held by ${describeLeaseHolder(seen.holder)}; waiting`);
  let ticket: HeldLease | undefined;
  let lease: HeldLease | undefined;
  let lockedReason = '';
  try {
    for (;;) {
      const d = leaseWaitDecision({
        key,
        holder: seen.holder,
        expiresAt: seen.expiresAt,
        waitingSince: since,
        now: Date.now(),
        waitLimitMs,
        deadline,
        jitter: (hc.jitter ?? Math.random)(),
      });
      if (d.kind === 'locked') {
        lockedReason = d.reason;
        break;
      }
      await hc.sleep(d.pollMs);
      if (signal.aborted) return stopped();
      if (!ticket) {
        const t = await take(ticketKey(key));
        if (!t.acquired) continue;
        ticket = new HeldLease(leases, ticketKey(key), t.token, ttlMs, problem);
      }
      const m = await take(key);
      if (m.acquired) {
        lease = new HeldLease(leases, key, m.token, ttlMs, problem);
        break;
      }
      seen = m;
    }
  } catch (e) {
    await lease?.release(problem);
    return unavailable(e);
  } finally {
    await ticket?.release(problem);
  }

  const waited = `${Math.round((Date.now() - since) / 1000)} s`;
  const now = await hc.redetect(st.check, f);
  const next = retryDecision(now, f);
  if (next.kind === 'healed') {
    await lease?.release(problem);
    return {
      kind: 'stop',
      outcome: 'recovered',
      reason: `passed on re-test after ${describeLeaseHolder(seen.holder)} held ${key} (waited ${waited})`,
    };
  }
  if (!lease) return { kind: 'stop', outcome: 'locked', reason: lockedReason };
  if (next.kind === 'retry') return { kind: 'go', finding: next.finding, lease };
  await lease.release(problem);
  if (next.kind === 'not_healable') return { kind: 'stop', outcome: 'not_healable', reason: next.reason };
  return {
    kind: 'stop',
    outcome: 'failed',
    reason: `while ${describeLeaseHolder(seen.holder)} held ${key} the failure changed to ${next.code} (${next.message}): not acted on`,
  };
}
