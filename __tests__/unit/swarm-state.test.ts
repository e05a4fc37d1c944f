// What Swarm's objects say, without a Swarm: placement constraints, the desired count of a global
// service (one per ready, active, matching node), failures since the last change, and the judgement.
import { describe, expect, test } from 'vitest';
import {
  judgeService as judgeFacts,
  swarmServiceCheck,
  type SwarmServiceOptions,
} from '../../src/checks/swarm-service.js';
import { withHealingPlan } from '../../src/checks/check-type.js';

/** The judgement as the engine sees it: the finding's facts with its code's declared rule applied. */
const judgeService = (...args: Parameters<typeof judgeFacts>) => {
  const f = judgeFacts(...args);
  return f && withHealingPlan(f, swarmServiceCheck.codes[f.code]);
};
import {
  eligibleNodes,
  isConverged,
  matchesConstraint,
  serviceState,
  swarmHost,
  type SwarmNode,
  type SwarmService,
  type SwarmTask,
} from '../../src/targets/swarm.js';

const node = (
  id: string,
  over: Partial<SwarmNode['Spec']> = {},
  state = 'ready',
  hostname = id,
): SwarmNode => ({
  ID: id,
  Spec: { Availability: 'active', Role: 'worker', Labels: {}, ...over },
  Status: { State: state },
  Description: { Hostname: hostname, Platform: { OS: 'linux', Architecture: 'x86_64' } },
});

const NOW = Date.parse('2026-01-01T12:00:00Z');
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

function service(over: Partial<SwarmService> = {}, spec: Partial<SwarmService['Spec']> = {}): SwarmService {
  return {
    ID: 'svc1',
    Version: { Index: 10 },
    CreatedAt: at(3600),
    UpdatedAt: at(1),
    Spec: { Name: 'web', Mode: { Replicated: { Replicas: 3 } }, ...spec },
    ...over,
  };
}

const task = (
  state: string,
  secondsAgo: number,
  nodeId = 'n1',
  desired = 'running',
  exit?: number,
): SwarmTask => ({
  ID: `t${Math.random()}`,
  ServiceID: 'svc1',
  NodeID: nodeId,
  DesiredState: desired,
  Status: { State: state, Timestamp: at(secondsAgo), ContainerStatus: { ExitCode: exit } },
});

const OPTS: SwarmServiceOptions = {
  service: 'web',
  start_period_seconds: 60,
  crash_loop_failures: 3,
  crash_loop_window_minutes: 5,
  timeout_seconds: 10,
  converge_timeout_seconds: 300,
};
const HOST = swarmHost('unix:///run/docker.sock');

describe('placement constraints', () => {
  test('node attributes compare without case, labels exactly, != negates', () => {
    const n = node('abc', { Role: 'manager', Labels: { zone: 'A' } }, 'ready', 'Edge-1');
    expect(matchesConstraint(n, 'node.role==manager')).toBe(true);
    expect(matchesConstraint(n, 'node.hostname == edge-1')).toBe(true);
    expect(matchesConstraint(n, 'node.labels.zone==A')).toBe(true);
    expect(matchesConstraint(n, 'node.labels.zone==a')).toBe(false);
    expect(matchesConstraint(n, 'node.labels.zone!=b')).toBe(true);
    expect(matchesConstraint(n, 'node.labels.missing!=x')).toBe(true);
    expect(matchesConstraint(n, 'node.platform.os==linux')).toBe(true);
    expect(matchesConstraint(n, 'nonsense')).toBe(false);
  });

  test('a global service wants one task per ready, active node that matches', () => {
    const nodes = [
      node('a', { Role: 'manager' }),
      node('b'),
      node('c', { Availability: 'drain' }),
      node('d', {}, 'down'),
      node('e', { Availability: 'pause' }),
    ];
    const spec = { Name: 'g', Mode: { Global: {} } };
    expect(eligibleNodes(spec, nodes).map((n) => n.ID)).toEqual(['a', 'b']);
    expect(
      eligibleNodes(
        { ...spec, TaskTemplate: { Placement: { Constraints: ['node.role==manager'] } } },
        nodes,
      ).map((n) => n.ID),
    ).toEqual(['a']);
    const s = service({}, { Mode: { Global: {} } });
    // A task on a drained node does not count; two tasks on one node count once.
    const st = serviceState(
      s,
      [task('running', 100, 'a'), task('running', 50, 'a'), task('running', 100, 'c')],
      nodes,
      NOW,
      300_000,
    );
    expect(st).toMatchObject({ mode: 'global', desired: 2, running: 1, runningNodes: ['a'] });
  });
});

describe('service state and judgement', () => {
  test('missing replicas are reported only after the start period, and never while Swarm is updating', () => {
    const s = service({ UpdateStatus: { State: 'completed', StartedAt: at(600) } });
    const tasks = [task('running', 500), task('running', 500), task('complete', 30)];
    const young = serviceState(s, tasks, [], NOW, 300_000);
    expect(young).toMatchObject({ desired: 3, running: 2 });
    expect(judgeService({ service: s, state: young }, OPTS, 'web', HOST, NOW)).toBeUndefined();
    const f = judgeService(
      { service: s, state: young },
      { ...OPTS, start_period_seconds: 10 },
      'web',
      HOST,
      NOW,
    );
    expect(f).toMatchObject({
      code: 'service_replicas_missing',
      target: 'swarm service web on unix:///run/docker.sock',
      targetKey: 'swarm-service:web@unix:///run/docker.sock',
      message:
        "Swarm service 'web' on unix:///run/docker.sock: 2/3 replicas running for 30s (start period 10s)",
    });
    const updating = { ...young, updateState: 'updating' };
    expect(
      judgeService({ service: s, state: updating }, { ...OPTS, start_period_seconds: 10 }, 'web', HOST, NOW),
    ).toBeUndefined();
  });

  test('failures count from the last update start within the window; a crash loop without a previous spec is manual', () => {
    const s = service({ UpdateStatus: { State: 'completed', StartedAt: at(20) } });
    const tasks = [
      task('failed', 100, 'n1', 'shutdown', 1),
      task('failed', 15, 'n1', 'shutdown', 3),
      task('failed', 10, 'n1', 'shutdown', 3),
      task('failed', 5, 'n1', 'shutdown', 3),
      task('starting', 1),
    ];
    const st = serviceState(s, tasks, [], NOW, 300_000);
    expect(st.recentFailures).toHaveLength(3);
    expect(isConverged(st)).toBe(false);
    const f = judgeService({ service: s, state: st }, OPTS, 'web', HOST, NOW)!;
    expect(f.code).toBe('service_crash_loop');
    expect(f.message).toMatch(/3 task failures in 5 min, last exit code 3/);
    expect(f.manual).toMatch(/no previous spec to roll back to/);
    const withPrevious = { ...s, PreviousSpec: s.Spec };
    expect(
      judgeService({ service: withPrevious, state: st }, OPTS, 'web', HOST, NOW)!.manual,
    ).toBeUndefined();
  });

  test('a paused update is found first; a paused rollback is left to a person; protected services are never touched', () => {
    const s = service({
      PreviousSpec: { Name: 'web' },
      UpdateStatus: { State: 'paused', StartedAt: at(30), Message: 'update paused due to failure' },
    });
    const st = serviceState(s, [task('running', 20)], [], NOW, 300_000);
    const f = judgeService({ service: s, state: st }, OPTS, 'web', HOST, NOW)!;
    expect(f).toMatchObject({ code: 'service_update_paused' });
    expect(f.manual).toBeUndefined();
    expect(f.message).toMatch(/update paused \(update paused due to failure\)/);
    const rb = { ...s, UpdateStatus: { State: 'rollback_paused', StartedAt: at(10) } };
    const rf = judgeService(
      { service: rb, state: serviceState(rb, [], [], NOW, 1) },
      OPTS,
      'web',
      HOST,
      NOW,
    )!;
    expect(rf.manual).toMatch(/rollback of 'web' itself paused/);
    expect(judgeService({ service: s, state: st }, OPTS, 'web', HOST, NOW, ['web'])!.manual).toMatch(
      /is protected \(protected.containers\)/,
    );
  });

  test('manager addresses: unix and plain tcp; ssh and TLS are refused with what to use', () => {
    expect(swarmHost(undefined, {})).toEqual({
      display: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
    });
    expect(swarmHost('tcp://127.0.0.2:2375')).toMatchObject({ display: 'tcp://127.0.0.2:2375', port: 2375 });
    expect(() => swarmHost('ssh://deploy@edge')).toThrow(/not supported by the swarm_service check/);
    expect(() => swarmHost('https://x:2376')).toThrow(/not supported/);
  });
});
