// Session limits per category and cooldowns as plain data: what one more action (or one more attempt
// of an action under way) may do, and the session state an action leaves behind.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import {
  countAction,
  decide,
  limitCheck,
  newSessionState,
  retryLimit,
  type PolicyInput,
} from '../../src/healing/policy.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import type { Finding } from '../../src/core/types.js';

const container = (name: string): Finding => ({
  code: 'container_not_running',
  checkId: name,
  target: name,
  targetKey: `container:${name}`,
  message: `Docker container '${name}' not running`,
  evidence: {},
  params: { container: name },
});
const pool: Finding = {
  code: 'db_pool_exhausted',
  checkId: 'db',
  target: 'db',
  targetKey: 'postgres:db',
  message: 'pool 97% used',
  evidence: {},
};
const command: Finding = {
  code: 'command_failed',
  checkId: 'smoke',
  target: 'smoke',
  targetKey: 'command:smoke',
  message: 'smoke exited 1',
  evidence: {},
};

const now = 10_000_000;
function input(over: Partial<PolicyInput> = {}, cfg: Record<string, unknown> = {}): PolicyInput {
  return {
    finding: container('redis'),
    config: configSchema.parse(cfg),
    remedies: REMEDIES,
    autoHeal: true,
    dryRun: false,
    guards: {},
    session: newSessionState(),
    now,
    approved: false,
    ...over,
  };
}

describe('session limits per category', () => {
  test('container restarts: allowed up to the limit, then limit_reached naming the setting and the count', () => {
    const cfg = { safety_limits: { max_container_restarts_per_session: 2, cooldown_seconds: 0 } };
    const session = newSessionState();
    for (const name of ['a', 'b']) {
      const d = decide(input({ session, finding: container(name) }, cfg));
      expect(d).toMatchObject({ kind: 'act', category: 'container' });
      countAction(session, 'container', container(name), 'start_container', now);
    }
    expect(session.used).toEqual({ container: 2, database: 0, other: 0 });
    expect(decide(input({ session, finding: container('c') }, cfg))).toMatchObject({
      kind: 'stop',
      outcome: 'limit_reached',
      reason: 'session limit reached: max_container_restarts_per_session = 2 (2 used)',
    });
  });

  test('database operations have their own budget; the container budget being spent does not hold them', () => {
    const cfg = {
      safety_limits: { max_container_restarts_per_session: 1, max_database_operations_per_session: 1 },
    };
    const session = newSessionState();
    session.used.container = 1;
    expect(decide(input({ session, finding: pool }, cfg))).toMatchObject({
      kind: 'act',
      category: 'database',
    });
    session.used.database = 1;
    expect(decide(input({ session, finding: pool }, cfg))).toMatchObject({
      outcome: 'limit_reached',
      reason: 'session limit reached: max_database_operations_per_session = 1 (1 used)',
    });
  });

  test('other actions (commands) have no session limit', () => {
    const session = newSessionState();
    session.used.other = 10_000;
    session.used.container = 10_000;
    expect(decide(input({ session, finding: command }))).toMatchObject({ kind: 'act', category: 'other' });
  });
});

describe('cooldown', () => {
  test('the same target within cooldown_seconds is held back, saying how long ago; after it, allowed', () => {
    const session = newSessionState();
    countAction(session, 'container', container('redis'), 'start_container', now - 12_000);
    expect(decide(input({ session }, { safety_limits: { cooldown_seconds: 30 } }))).toMatchObject({
      outcome: 'limit_reached',
      reason: 'cooldown: last action on container:redis 12s ago (cooldown_seconds = 30)',
    });
    expect(
      decide(input({ session, now: now + 18_000 }, { safety_limits: { cooldown_seconds: 30 } })),
    ).toMatchObject({ kind: 'act' });
  });

  test('on a database the cooldown is per action: another remedy on the same database is not held back', () => {
    const session = newSessionState();
    countAction(session, 'database', pool, 'terminate_idle_connections', now - 1000);
    expect(decide(input({ session, finding: pool }))).toMatchObject({ outcome: 'limit_reached' });
    const stuck: Finding = { ...pool, code: 'db_stuck_transactions', message: 'stuck' };
    expect(decide(input({ session, finding: stuck }))).toMatchObject({
      kind: 'act',
      action: 'terminate_idle_transactions',
    });
  });

  test('retries of an action under way ignore the cooldown (the retry delay paces them), not the limit', () => {
    const config = configSchema.parse({
      safety_limits: { max_container_restarts_per_session: 2, cooldown_seconds: 300 },
    });
    const session = newSessionState();
    countAction(session, 'container', container('redis'), 'start_container', now);
    const key = 'container:redis';
    expect(limitCheck(config, session, 'container', key, now + 1000)).toMatch(/^cooldown/);
    expect(retryLimit(config, session, 'container', key, now + 1000)).toBeUndefined();
    countAction(session, 'container', container('redis'), 'start_container', now + 1000);
    expect(retryLimit(config, session, 'container', key, now + 2000)).toBe(
      'session limit reached: max_container_restarts_per_session = 2 (2 used)',
    );
  });

  test('a dry run counts its planned actions, so the plan shows the limits a real run would hit', () => {
    const cfg = { safety_limits: { max_container_restarts_per_session: 1, cooldown_seconds: 0 } };
    const session = newSessionState();
    const first = decide(input({ session, dryRun: true, finding: container('a') }, cfg));
    expect(first).toMatchObject({ kind: 'stop', outcome: 'dry_run', category: 'container' });
    countAction(session, 'container', container('a'), first.action, now);
    expect(decide(input({ session, dryRun: true, finding: container('b') }, cfg))).toMatchObject({
      outcome: 'limit_reached',
    });
  });
});
