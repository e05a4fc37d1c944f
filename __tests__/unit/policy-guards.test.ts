// Guards as plain data: the systemic-failure guard, low disk (from the engine's reading or a host
// check's finding) and protected targets; each stops healing and says why.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import {
  decide,
  failingTargets,
  guardsFromFindings,
  lowDiskGuard,
  newSessionState,
  reportsGuards,
  systemicGuard,
  type PolicyInput,
} from '../../src/healing/policy.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import type { Finding } from '../../src/core/types.js';

const finding = (name: string, over: Partial<Finding> = {}): Finding => ({
  code: 'container_not_running',
  checkId: name,
  target: name,
  targetKey: `container:${name}`,
  message: `Docker container '${name}' not running`,
  evidence: {},
  params: { container: name },
  ...over,
});

function input(over: Partial<PolicyInput> = {}, cfg: Record<string, unknown> = {}): PolicyInput {
  return {
    finding: finding('redis'),
    config: configSchema.parse(cfg),
    remedies: REMEDIES,
    autoHeal: true,
    dryRun: false,
    guards: {},
    session: newSessionState(),
    now: 1_000_000,
    approved: false,
    ...over,
  };
}

describe('systemic-failure guard', () => {
  test('at the threshold nothing is raised; one more failing target and healing stops, saying why', () => {
    expect(systemicGuard(3, 3)).toBeUndefined();
    const message = systemicGuard(4, 3);
    expect(message).toBe(
      'multiple services failing simultaneously — systemic issue: 4 targets failing (> max_failing_services 3); healing nothing',
    );
    const d = decide(input({ guards: { systemic: message } }));
    expect(d).toEqual({
      kind: 'stop',
      outcome: 'guarded',
      reason: message,
      action: 'start_container',
      risk: 'low',
      plan: undefined,
    });
  });

  test('max_failing_services 0 turns the guard off', () => {
    expect(systemicGuard(50, 0)).toBeUndefined();
  });

  test('counts distinct targets an action would touch: errors only, never a check that could not run', () => {
    const findings = [
      finding('web'),
      // The same container seen by a database check: one target, not two.
      finding('db-check', { code: 'db_unreachable', targetKey: 'postgres:db', params: { container: 'web' } }),
      finding('api', { severity: 'warning' }),
      finding('broken', { code: 'check_error', targetKey: 'check:broken', params: {} }),
      finding('cache', { code: 'redis_not_responding', targetKey: 'redis:cache', params: {} }),
    ];
    expect(failingTargets(findings)).toEqual(['container:web', 'container:web', 'redis:cache']);
    expect(new Set(failingTargets(findings)).size).toBe(2);
  });
});

describe('low-disk guard', () => {
  test('free space below min_free_disk_mb disables healing; at or above it does not', () => {
    const low = lowDiskGuard({ path: '/', freeMb: 499 }, 500);
    expect(low).toBe(
      'low disk: 499 MB free on / (< min_free_disk_mb 500): healing disabled; free disk space first',
    );
    expect(lowDiskGuard({ path: '/', freeMb: 500 }, 500)).toBeUndefined();
    expect(decide(input({ guards: { lowDisk: low } }))).toMatchObject({
      kind: 'stop',
      outcome: 'guarded',
      reason: low,
    });
  });

  test('fails closed: a reading that could not be taken disables healing too', () => {
    expect(lowDiskGuard({ path: '/', error: 'EACCES' }, 500)).toBe(
      'free disk space unknown (statfs /: EACCES): healing disabled',
    );
  });

  test("a host check's low-disk finding is the guard as well; its checks run before anything is healed", () => {
    expect(reportsGuards('host')).toBe(true);
    expect(reportsGuards('container')).toBe(false);
    expect(
      guardsFromFindings([{ code: 'disk_space_low', message: 'Disk / 97% full (1.2 GB free)' }]),
    ).toEqual({
      lowDisk: 'low disk: Disk / 97% full (1.2 GB free): healing disabled; free disk space first',
    });
    expect(guardsFromFindings([{ code: 'memory_low', message: 'Memory low' }])).toEqual({});
  });
});

describe('protected targets', () => {
  test('a protected container is never touched, whichever check asks', () => {
    const cfg = { protected: { containers: ['pg'] } };
    expect(decide(input({ finding: finding('pg') }, cfg))).toMatchObject({
      outcome: 'guarded',
      reason: "container 'pg' is protected (protected.containers): never touched",
    });
    const fromDbCheck = finding('db', {
      code: 'db_unreachable',
      targetKey: 'postgres:db',
      params: { container: 'pg' },
    });
    expect(decide(input({ finding: fromDbCheck }, cfg))).toMatchObject({ outcome: 'guarded' });
    expect(decide(input({ finding: finding('redis') }, cfg))).toMatchObject({ kind: 'act' });
  });

  test('a protected table is never touched', () => {
    const stuck = finding('jobs', { code: 'queue_stuck', targetKey: 'table:public.payments', params: {} });
    expect(decide(input({ finding: stuck }, { protected: { tables: ['payments'] } }))).toMatchObject({
      outcome: 'guarded',
      reason: expect.stringMatching(/table 'public\.payments' is protected/),
    });
  });

  test('guards come after enabled: a run with healing off says so, not the guard', () => {
    expect(decide(input({ autoHeal: false, guards: { systemic: 'systemic' } }))).toMatchObject({
      outcome: 'disabled',
    });
  });
});
