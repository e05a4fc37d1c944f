// Leases as plain data: whether a run waits for a target another run holds or reports it locked (and
// how it names the holder), which system each action's lease lives on, and who a run says it is.
import { describe, expect, test } from 'vitest';
import {
  describeLeaseHolder,
  leaseUnavailableReason,
  leaseWaitDecision,
  LEASE_POLL_MS,
  type LeaseWaitInput,
} from '../../src/healing/policy.js';
import { LEASE_SYSTEM, leaseHolderFrom, systemOfKey, ticketKey } from '../../src/healing/lease.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import { configSchema } from '../../src/config/schema.js';

const T0 = Date.UTC(2026, 10, 29, 23, 40, 0);
const input = (over: Partial<LeaseWaitInput> = {}): LeaseWaitInput => ({
  key: 'container:api',
  holder: { repository: 'owner/repo', workflow: 'deploy', runId: '123', attempt: 1 },
  expiresAt: T0 + 100_000,
  waitingSince: T0,
  now: T0,
  waitLimitMs: 60_000,
  deadline: T0 + 900_000,
  jitter: 0,
  ...over,
});

describe('waiting for a held lease', () => {
  test('within lease_wait_seconds: wait a short, jittered poll (never a busy loop)', () => {
    expect(leaseWaitDecision(input())).toEqual({ kind: 'wait', pollMs: LEASE_POLL_MS });
    expect(leaseWaitDecision(input({ jitter: 0.99 }))).toEqual({
      kind: 'wait',
      pollMs: Math.round(LEASE_POLL_MS * 1.99),
    });
    // Two waiters with different jitter poll at different times.
    const a = leaseWaitDecision(input({ jitter: 0.1 }));
    const b = leaseWaitDecision(input({ jitter: 0.7 }));
    expect(a).not.toEqual(b);
  });

  test('an expiry before the next poll: look right after it (a killed holder frees the target then)', () => {
    expect(leaseWaitDecision(input({ expiresAt: T0 + 100, now: T0 }))).toEqual({ kind: 'wait', pollMs: 120 });
  });

  test('no poll goes past the end of the wait or the run deadline', () => {
    expect(leaseWaitDecision(input({ now: T0 + 59_900 }))).toEqual({ kind: 'wait', pollMs: 100 });
    expect(leaseWaitDecision(input({ deadline: T0 + 1_000, now: T0 + 950 }))).toEqual({
      kind: 'wait',
      pollMs: 50,
    });
  });

  test('wait over: locked, naming the holder and until when it holds the target', () => {
    expect(leaseWaitDecision(input({ now: T0 + 60_000 }))).toEqual({
      kind: 'locked',
      reason:
        'locked by owner/repo run 123 attempt 1 until 23:41:40 UTC: another run is acting on container:api; waited 60 s (lease_wait_seconds 60), not acted on',
    });
  });

  test('the run deadline ends the wait before lease_wait_seconds does', () => {
    const d = leaseWaitDecision(input({ deadline: T0 + 5_000, now: T0 + 5_000 }));
    expect(d.kind).toBe('locked');
    expect(d.kind === 'locked' && d.reason).toContain('waited 5 s');
  });

  test('lease_wait_seconds 0: never waits', () => {
    expect(leaseWaitDecision(input({ waitLimitMs: 0 })).kind).toBe('locked');
  });

  test('a monitor holder, and a holder the system does not show', () => {
    expect(describeLeaseHolder({ host: 'ci-box', pid: 4242 })).toBe('ci-box pid 4242');
    const d = leaseWaitDecision(input({ holder: null, expiresAt: null, now: T0 + 60_000 }));
    expect(d).toEqual({
      kind: 'locked',
      reason:
        'locked by another run: another run is acting on container:api; waited 60 s (lease_wait_seconds 60), not acted on',
    });
  });

  test('a lease that cannot be asked for: not acted on (fail closed), the reason kept', () => {
    expect(leaseUnavailableReason('redis:cache', 'connect ECONNREFUSED 127.0.0.1:6399')).toBe(
      'the lease on redis:cache could not be taken (connect ECONNREFUSED 127.0.0.1:6399): not acted on, since another run might be acting on it',
    );
  });
});

describe('where leases live', () => {
  test('every remedy has a lease system entry (a new one must say where its lease lives)', () => {
    for (const action of REMEDIES.keys()) expect(Object.keys(LEASE_SYSTEM)).toContain(action);
    expect(LEASE_SYSTEM.recreate_container).toBe('docker');
    expect(LEASE_SYSTEM.terminate_idle_connections).toBe('postgres');
    expect(LEASE_SYSTEM.requeue_failed_items).toBe('postgres');
    expect(LEASE_SYSTEM.flush_expiring_keys).toBe('redis');
    expect(LEASE_SYSTEM.force_update_service).toBe('swarm');
    expect(LEASE_SYSTEM.rollback_service).toBe('swarm');
    // A command touches what its script touches: no system to hold a lease on.
    expect(LEASE_SYSTEM.run_heal_command).toBeNull();
    expect(ticketKey('container:api')).toBe('container:api#next');
    // An action not listed (a remedy registered elsewhere) goes by the key of what it acts on.
    expect(systemOfKey('container:api')).toBe('docker');
    expect(systemOfKey('table:jobs')).toBe('postgres');
    expect(systemOfKey('postgres:db')).toBe('postgres');
    expect(systemOfKey('redis:cache')).toBe('redis');
    expect(systemOfKey('swarm-service:web@unix:///var/run/docker.sock')).toBe('swarm');
    expect(systemOfKey('command:migrate')).toBeNull();
  });

  test('the holder: the workflow run under GitHub Actions, else host and pid', () => {
    expect(
      leaseHolderFrom(
        {
          GITHUB_REPOSITORY: 'owner/repo',
          GITHUB_WORKFLOW: 'deploy',
          GITHUB_RUN_ID: '123',
          GITHUB_RUN_ATTEMPT: '2',
        },
        'h',
        1,
      ),
    ).toEqual({ repository: 'owner/repo', workflow: 'deploy', runId: '123', attempt: 2 });
    expect(leaseHolderFrom({ GITHUB_REPOSITORY: 'owner/repo' }, 'box', 77)).toEqual({ host: 'box', pid: 77 });
    expect(
      leaseHolderFrom({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: 'x' }, 'h', 1),
    ).toEqual({ repository: 'o/r', workflow: '', runId: '9', attempt: 1 });
  });

  test('safety_limits.lease_seconds and lease_wait_seconds default to 120 and 60', () => {
    const config = configSchema.parse({});
    expect(config.safety_limits.lease_seconds).toBe(120);
    expect(config.safety_limits.lease_wait_seconds).toBe(60);
  });
});
