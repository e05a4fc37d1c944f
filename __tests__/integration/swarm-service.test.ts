// The swarm_service check and its remedies on a real two-node Docker Swarm: two engines of this file's
// own (never the shared one), a manager on 127.0.0.2 and a worker on 127.0.0.1, services from the
// fixture image on the host network. Whole engine runs find missing replicas, a crash loop and a paused
// update; heal with a rolling restart that keeps the update settings, and with a rollback only when it
// is approved; a dry run changes nothing. After each run the Swarm's own state is read back.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runWithConfig } from '../helpers/engine.js';
import {
  createService,
  dockerOn,
  engineOf,
  inspectService,
  live,
  newSwarm,
  startSwarm,
  stopSwarm,
  tasksOf,
  waitForService,
  type TestSwarm,
} from '../helpers/swarm.js';

const TCP_PORT = 55497;
/** Runs until TERM, then exits 0: a stopped task ends `complete`, never `failed`. */
const SERVE = 'trap "exit 0" TERM; while :; do sleep 0.2; done';

let swarm: TestSwarm | undefined;

beforeAll(async () => {
  swarm = newSwarm(TCP_PORT);
  await startSwarm(swarm);
  if (swarm.note) console.warn(swarm.note);
}, 120_000);

afterAll(async () => {
  await stopSwarm(swarm);
}, 90_000);

function sw(): TestSwarm {
  if (!swarm) throw new Error('no swarm');
  return swarm;
}

function config(checks: string, extra = ''): string {
  return `auto_healing: { retry_delay_seconds: 1 }
${extra}
phases:
  - name: swarm
    checks:
${checks}
`;
}

const check = (id: string, service: string, more = '') =>
  `      - { id: ${id}, type: swarm_service, service: ${service}, host: "${sw().manager.host}"${more} }`;

describe('swarm_service on a real Swarm', () => {
  test('the Swarm has two ready nodes (manager 127.0.0.2, worker 127.0.0.1)', async () => {
    const nodes = (
      await dockerOn(sw().manager, 'node', 'ls', '--format', '{{.Status}} {{.ManagerStatus}}')
    ).split('\n');
    expect(sw().note).toBeUndefined();
    expect(nodes.map((n) => n.trim()).sort()).toEqual(['Ready', 'Ready Leader']);
  });

  test('replicas missing: dry run changes nothing, then force_update_service heals and the service converges on both nodes', async () => {
    const name = 'oxsw-web';
    // One task at a time, 2 s apart: the rolling restart takes longer than the engine's default
    // stabilization wait (10 s), and the re-test must still wait for Swarm.
    await createService(sw(), {
      name,
      script: SERVE,
      replicas: 4,
      restartCondition: 'on-failure',
      update: { parallelism: 1, delay: '2s' },
    });
    await waitForService(sw(), name, '4 running on 2 nodes', (_, t) => {
      const l = live(t);
      return l.length === 4 && new Set(l.map((x) => x.NodeID)).size === 2;
    });
    // Two tasks end (exit 0): with restart-condition on-failure Swarm does not replace them.
    const victims = live(await tasksOf(sw(), name)).slice(0, 2);
    for (const t of victims)
      await dockerOn(engineOf(sw(), t), 'kill', '--signal', 'TERM', t.Status.ContainerStatus!.ContainerID!);
    await waitForService(sw(), name, '2 running', (_, t) => live(t).length === 2);
    await new Promise((r) => setTimeout(r, 1500));
    const before = await inspectService(sw(), name);

    const dry = await runWithConfig(config(check('web', name, ', start_period_seconds: 1')), {
      dryRun: true,
    });
    expect(dry.report.findings).toHaveLength(1);
    const df = dry.report.findings[0]!;
    expect(df).toMatchObject({
      code: 'service_replicas_missing',
      outcome: 'dry_run',
      action: 'force_update_service',
    });
    expect(df.target).toBe(`swarm service ${name} on ${sw().manager.host}`);
    expect(df.message).toMatch(/2\/4 replicas running/);
    expect(dry.console).toContain('DRY RUN: would force_update_service on swarm service oxsw-web');
    const afterDry = await inspectService(sw(), name);
    expect(afterDry.Version.Index).toBe(before.Version.Index);
    expect(afterDry.Spec.TaskTemplate.ForceUpdate ?? 0).toBe(0);
    expect(live(await tasksOf(sw(), name))).toHaveLength(2);

    const t0 = Date.now();
    const r = await runWithConfig(config(check('web', name, ', start_period_seconds: 1')));
    const healMs = Date.now() - t0;
    const f = r.report.findings[0]!;
    expect(f).toMatchObject({
      code: 'service_replicas_missing',
      outcome: 'healed',
      action: 'force_update_service',
    });
    expect(f.retest).toMatch(/converged: 4\/4 tasks running on 2 nodes, update completed/);
    expect(r.report.verdict).toBe('healed');
    expect(r.console).toMatch(
      /Rolling restart of swarm service 'oxsw-web' started \(parallelism 1, delay 2s, order stop-first/,
    );
    console.log(`force_update_service: run ${healMs} ms; ${f.retest}`);
    expect(healMs).toBeGreaterThan(10_000);

    // The Swarm itself: one forced update, the update settings as they were, 4 tasks over both nodes.
    const after = await inspectService(sw(), name);
    expect(after.Spec.TaskTemplate.ForceUpdate).toBe(1);
    expect(after.UpdateStatus?.State).toBe('completed');
    expect(after.Spec.UpdateConfig).toEqual(before.Spec.UpdateConfig);
    expect(after.Spec.UpdateConfig).toMatchObject({
      Parallelism: 1,
      Delay: 2e9,
      Order: 'stop-first',
      FailureAction: 'pause',
    });
    const l = live(await tasksOf(sw(), name));
    expect(l).toHaveLength(4);
    expect(new Set(l.map((t) => t.NodeID)).size).toBe(2);

    // Healthy now: the next run passes without acting.
    const again = await runWithConfig(config(check('web', name, ', start_period_seconds: 1')));
    expect(again.report.verdict).toBe('passed');
    expect((await inspectService(sw(), name)).Version.Index).toBe(after.Version.Index);
  }, 180_000);

  test('a global service counts one task per eligible node; a missing one is found and healed (over tcp://)', async () => {
    const name = 'oxsw-global';
    await createService(sw(), { name, script: SERVE, global: true, restartCondition: 'on-failure' });
    await waitForService(sw(), name, 'one task per node', (_, t) => live(t).length === 2);
    const tcpCheck = `      - { id: glob, type: swarm_service, service: ${name}, host: "${sw().managerTcp}", start_period_seconds: 1 }`;
    const ok = await runWithConfig(config(tcpCheck));
    expect(ok.report.verdict).toBe('passed');
    expect(ok.console).toContain(`${name} 2/2 running`);

    // A constraint that only the manager meets: one eligible node, one desired task.
    const onManager = 'oxsw-global-mgr';
    await createService(sw(), {
      name: onManager,
      script: SERVE,
      global: true,
      constraints: ['node.role==manager'],
      restartCondition: 'on-failure',
    });
    await waitForService(sw(), onManager, 'one task', (_, t) => live(t).length === 1);
    const constrained = await runWithConfig(
      config(`      - { id: mgr, type: swarm_service, service: ${onManager}, host: "${sw().managerTcp}" }`),
    );
    expect(constrained.report.verdict).toBe('passed');
    expect(constrained.console).toContain(`${onManager} 1/1 running`);

    const [victim] = live(await tasksOf(sw(), name));
    await dockerOn(
      engineOf(sw(), victim!),
      'kill',
      '--signal',
      'TERM',
      victim!.Status.ContainerStatus!.ContainerID!,
    );
    await waitForService(sw(), name, '1 running', (_, t) => live(t).length === 1);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await runWithConfig(config(tcpCheck));
    const f = r.report.findings[0]!;
    expect(f.message).toMatch(/1\/2 eligible nodes running/);
    expect(f).toMatchObject({ code: 'service_replicas_missing', outcome: 'healed' });
    expect(f.target).toBe(`swarm service ${name} on ${sw().managerTcp}`);
    const l = live(await tasksOf(sw(), name));
    expect(new Set(l.map((t) => t.NodeID)).size).toBe(2);
  }, 180_000);

  test('with a healthcheck the re-test waits until every new task is healthy', async () => {
    const name = 'oxsw-health';
    // Healthy 2 s after each start: Swarm keeps the task `starting` until then.
    await createService(sw(), {
      name,
      script: `mkdir -p /tmp; sleep 2; touch /tmp/ok; ${SERVE}`,
      replicas: 2,
      restartCondition: 'on-failure',
      health: 'test -e /tmp/ok',
    });
    await waitForService(sw(), name, '2 running', (_, t) => live(t).length === 2);
    const [victim] = live(await tasksOf(sw(), name));
    await dockerOn(
      engineOf(sw(), victim!),
      'kill',
      '--signal',
      'TERM',
      victim!.Status.ContainerStatus!.ContainerID!,
    );
    await waitForService(sw(), name, '1 running', (_, t) => live(t).length === 1);
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    const r = await runWithConfig(config(check('health', name, ', start_period_seconds: 1')));
    const ms = Date.now() - t0;
    const f = r.report.findings[0]!;
    expect(f).toMatchObject({
      code: 'service_replicas_missing',
      outcome: 'healed',
      action: 'force_update_service',
    });
    console.log(`force_update_service with healthchecks: run ${ms} ms; ${f.retest}`);
    // Every task the re-test counted is healthy on the engine that runs it, right after the run.
    const l = live(await tasksOf(sw(), name));
    expect(l).toHaveLength(2);
    for (const t of l) {
      const health = await dockerOn(
        engineOf(sw(), t),
        'inspect',
        '--format',
        '{{.State.Health.Status}}',
        t.Status.ContainerStatus!.ContainerID!,
      );
      expect(health).toBe('healthy');
    }
    expect((await inspectService(sw(), name)).UpdateStatus?.State).toBe('completed');
  }, 120_000);

  test('a crash-looping service is service_crash_loop; its rollback waits for approval and nothing changes', async () => {
    const name = 'oxsw-crash';
    await createService(sw(), { name, script: SERVE, replicas: 1, update: { failureAction: 'continue' } });
    await waitForService(sw(), name, '1 running', (_, t) => live(t).length === 1);
    // A new version that exits at once; the update does not stop for it, so the service loops.
    await dockerOn(
      sw().manager,
      'service',
      'update',
      '--detach',
      '--args',
      '/bin/sh -c "sleep 0.2; exit 3"',
      name,
    );
    await waitForService(
      sw(),
      name,
      '3 failed tasks',
      (_, t) => t.filter((x) => x.Status.State === 'failed').length >= 3,
    );
    const before = await inspectService(sw(), name);
    const r = await runWithConfig(config(check('crash', name)));
    const f = r.report.findings[0]!;
    expect(f).toMatchObject({
      code: 'service_crash_loop',
      outcome: 'awaiting_approval',
      action: 'rollback_service',
      risk: 'high',
    });
    expect(f.message).toMatch(/in a crash loop \(\d+ task failures in 5 min, last exit code 3/);
    expect(r.report.verdict).toBe('blocked');
    expect(f.evidence.last_failure).toMatchObject({ state: 'failed', exit_code: 3 });
    // Named in protected.containers, the service is never touched, even with an approval.
    const guarded = await runWithConfig(
      config(check('crash', name), `protected: { containers: [${name}] }`),
      {
        approve: ['all'],
      },
    );
    expect(guarded.report.findings[0]).toMatchObject({ code: 'service_crash_loop', outcome: 'not_healable' });
    expect(guarded.report.findings[0]!.reason).toMatch(/swarm service 'oxsw-crash' is protected/);
    const after = await inspectService(sw(), name);
    expect(after.Version.Index).toBe(before.Version.Index);
    expect(after.Spec.TaskTemplate.ContainerSpec.Args).toEqual(['/bin/sh', '-c', 'sleep 0.2; exit 3']);
  }, 120_000);

  test('a paused update is service_update_paused: the rollback is blocked without approval, and with it the previous spec is back', async () => {
    const name = 'oxsw-upd';
    await createService(sw(), {
      name,
      script: SERVE,
      replicas: 2,
      update: { parallelism: 1, monitor: '3s', failureAction: 'pause' },
    });
    await waitForService(sw(), name, '2 running', (_, t) => live(t).length === 2);
    const original = (await inspectService(sw(), name)).Spec.TaskTemplate.ContainerSpec.Args;
    expect(original).toEqual(['/bin/sh', '-c', SERVE]);
    await dockerOn(sw().manager, 'service', 'update', '--detach', '--args', '/bin/sh -c "exit 4"', name);
    await waitForService(sw(), name, 'update paused', (s) => s.UpdateStatus?.State === 'paused');
    const paused = await inspectService(sw(), name);

    const blocked = await runWithConfig(config(check('upd', name)));
    const bf = blocked.report.findings[0]!;
    expect(bf).toMatchObject({
      code: 'service_update_paused',
      outcome: 'awaiting_approval',
      action: 'rollback_service',
    });
    expect(bf.message).toMatch(/update paused/);
    expect(blocked.report.verdict).toBe('blocked');
    const still = await inspectService(sw(), name);
    expect(still.Version.Index).toBe(paused.Version.Index);
    expect(still.UpdateStatus?.State).toBe('paused');
    expect(still.Spec.TaskTemplate.ContainerSpec.Args).toEqual(['/bin/sh', '-c', 'exit 4']);

    const t0 = Date.now();
    const approved = await runWithConfig(config(check('upd', name)), { approve: ['upd'] });
    const ms = Date.now() - t0;
    const af = approved.report.findings[0]!;
    expect(af).toMatchObject({
      code: 'service_update_paused',
      outcome: 'healed',
      action: 'rollback_service',
    });
    expect(af.approval?.via).toBe('input');
    expect(af.retest).toMatch(/converged: 2\/2 tasks running.*update rollback_completed/);
    console.log(`rollback_service: run ${ms} ms; ${af.retest}`);
    const back = await inspectService(sw(), name);
    expect(back.UpdateStatus?.State).toBe('rollback_completed');
    expect(back.Spec.TaskTemplate.ContainerSpec.Args).toEqual(original);
    expect(live(await tasksOf(sw(), name))).toHaveLength(2);
  }, 180_000);

  test('a missing service and a manager that is not reachable block with clear messages', async () => {
    const r = await runWithConfig(
      config(
        `${check('ghost', 'oxsw-none')}\n      - { id: down, type: swarm_service, service: x, host: "tcp://127.0.0.1:1", timeout_seconds: 2 }`,
      ),
    );
    const ghost = r.report.findings.find((x) => x.checkId === 'ghost')!;
    expect(ghost).toMatchObject({ code: 'service_replicas_missing', outcome: 'not_healable' });
    expect(ghost.message).toBe(`No swarm service named 'oxsw-none' on ${sw().manager.host}`);
    const down = r.report.findings.find((x) => x.checkId === 'down')!;
    expect(down.code).toBe('check_error');
    expect(down.message).toMatch(/Swarm manager tcp:\/\/127\.0\.0\.1:1 not reachable/);
    expect(r.report.verdict).toBe('blocked');
  }, 60_000);
});
