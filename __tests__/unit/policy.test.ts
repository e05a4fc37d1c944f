// The healing engine's decisions as plain data: enabled, guards, limits, approval and dry run, without any server.
import { describe, expect, test } from 'vitest';
import { configSchema, type OrixoonConfig } from '../../src/config/schema.js';
import { decide, newSessionState, type PolicyInput } from '../../src/healing/policy.js';
import type { Finding, Remedy } from '../../src/core/types.js';

const remedy = (action: string, category: Remedy['category'] = 'container'): Remedy => ({
  action,
  category,
  describe: (f) => `${action} ${f.target}...`,
  run: async () => ({ details: 'done' }),
});
const remedies = new Map(
  [
    remedy('start_container'),
    remedy('restart_container'),
    remedy('recreate_container'),
    remedy('terminate_idle_connections', 'database'),
  ].map((r) => [r.action, r]),
);

const finding = (over: Partial<Finding> = {}): Finding => ({
  code: 'container_not_running',
  checkId: 'redis',
  target: 'redis',
  targetKey: 'container:redis',
  message: "Docker container 'redis' not running",
  evidence: {},
  params: { container: 'redis' },
  ...over,
});

function input(over: Partial<PolicyInput> = {}, cfg: Record<string, unknown> = {}): PolicyInput {
  const config: OrixoonConfig = configSchema.parse(cfg);
  return {
    finding: finding(),
    config,
    remedies,
    autoHeal: true,
    dryRun: false,
    guards: {},
    session: newSessionState(),
    now: 1_000_000,
    approved: false,
    ...over,
  };
}

describe('healing policy', () => {
  test('a healable low-risk finding is acted on with min(1 + max_retries, max_healing_attempts) attempts', () => {
    const d = decide(input());
    expect(d).toMatchObject({ kind: 'act', action: 'start_container', category: 'container', attempts: 3 });
    const d2 = decide(input({}, { healing_actions: { container_not_running: { max_retries: 0 } } }));
    expect(d2).toMatchObject({ kind: 'act', attempts: 1 });
    const d3 = decide(
      input(
        {},
        {
          auto_healing: { max_healing_attempts: 2 },
          healing_actions: { container_not_running: { max_retries: 5, timeout_seconds: 7 } },
        },
      ),
    );
    expect(d3).toMatchObject({ kind: 'act', attempts: 2, timeoutMs: 7000 });
  });

  test('manual findings and codes without a remedy are not healable', () => {
    expect(decide(input({ finding: finding({ manual: 'create it' }) }))).toMatchObject({
      kind: 'stop',
      outcome: 'not_healable',
      reason: 'create it',
    });
    expect(decide(input({ finding: finding({ code: 'disk_space_low' }) }))).toMatchObject({
      outcome: 'not_healable',
    });
  });

  test('disabled by the auto-heal input, by auto_healing.enabled, or per issue code', () => {
    expect(decide(input({ autoHeal: false }))).toMatchObject({
      outcome: 'disabled',
      reason: expect.stringMatching(/auto-heal/),
    });
    expect(decide(input({}, { auto_healing: { enabled: false } }))).toMatchObject({ outcome: 'disabled' });
    expect(
      decide(input({}, { healing_actions: { container_not_running: { enabled: false } } })),
    ).toMatchObject({
      outcome: 'disabled',
      reason: 'healing_actions.container_not_running.enabled is false',
    });
  });

  test('guards: low disk, systemic failure, protected containers', () => {
    expect(decide(input({ guards: { lowDisk: 'low disk' } }))).toMatchObject({
      outcome: 'guarded',
      reason: 'low disk',
    });
    expect(decide(input({ guards: { systemic: 'systemic' } }))).toMatchObject({ outcome: 'guarded' });
    expect(decide(input({}, { protected: { containers: ['redis'] } }))).toMatchObject({
      outcome: 'guarded',
      reason: expect.stringMatching(/protected/),
    });
  });

  test('session limits per category, never exceeded', () => {
    const session = newSessionState();
    session.used.container = 5;
    expect(decide(input({ session }))).toMatchObject({
      outcome: 'limit_reached',
      reason: expect.stringMatching(/max_container_restarts_per_session = 5/),
    });
    // The database budget is separate.
    const db = finding({ code: 'db_pool_exhausted', targetKey: 'postgres:db', params: {} });
    expect(decide(input({ session, finding: db }))).toMatchObject({ kind: 'act', category: 'database' });
    session.used.database = 3;
    expect(decide(input({ session, finding: db }))).toMatchObject({ outcome: 'limit_reached' });
    // A finding can move its action into another category (a db container restart is a database operation).
    const dbDown = finding({ code: 'db_unreachable', category: 'database', targetKey: 'postgres:db' });
    expect(decide(input({ session, finding: dbDown }))).toMatchObject({
      outcome: 'limit_reached',
      reason: expect.stringMatching(/database/),
    });
  });

  test('cooldown per target', () => {
    const session = newSessionState();
    session.lastActionAt.set('container:redis', 1_000_000 - 30_000);
    expect(decide(input({ session }))).toMatchObject({
      outcome: 'limit_reached',
      reason: expect.stringMatching(/cooldown/),
    });
    expect(
      decide(
        input({
          session,
          finding: finding({ targetKey: 'container:other', params: { container: 'other' } }),
        }),
      ),
    ).toMatchObject({ kind: 'act' });
    expect(decide(input({ session, now: 1_000_000 + 31_000 }))).toMatchObject({ kind: 'act' });
  });

  test('high risk needs approval; an approval lets it run; requires_confirmation overrides', () => {
    const crash = finding({ code: 'crash_loop' });
    expect(decide(input({ finding: crash }))).toMatchObject({
      outcome: 'awaiting_approval',
      risk: 'high',
      plan: expect.stringMatching(/recreate_container on redis/),
    });
    expect(decide(input({ finding: crash, approved: true }))).toMatchObject({
      kind: 'act',
      action: 'recreate_container',
    });
    expect(
      decide(
        input({ finding: crash }, { healing_actions: { crash_loop: { requires_confirmation: false } } }),
      ),
    ).toMatchObject({ kind: 'act' });
    expect(
      decide(input({}, { healing_actions: { container_not_running: { requires_confirmation: true } } })),
    ).toMatchObject({ outcome: 'awaiting_approval' });
  });

  test('dry run plans and changes nothing; the config action name wins over the default', () => {
    expect(decide(input({ dryRun: true }))).toMatchObject({
      outcome: 'dry_run',
      category: 'container',
      plan: expect.stringMatching(/^start_container on redis/),
    });
    expect(decide(input({}, { auto_healing: { dry_run: true } }))).toMatchObject({ outcome: 'dry_run' });
    expect(
      decide(input({}, { healing_actions: { container_not_running: { action: 'restart_container' } } })),
    ).toMatchObject({ action: 'restart_container' });
  });
});
