// Every container issue code, injected for real on the Docker engine: the container check finds it,
// the docker remedy acts, verify re-tests, and the container's real state is asserted afterwards.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER, waitFor } from '../helpers/docker.js';
import { DockerTarget } from '../../src/targets/docker/index.js';
import { onlyFinding, remedy, remedyContext, testRunContext, type TestRun } from '../helpers/context.js';
import { containerCheckOf, PERL_LEAK, stateDir, SUITE } from './container-support.js';

let run: TestRun;
const t = new DockerTarget({ timeoutMs: 10_000 });

beforeAll(async () => {
  await removeSuite(SUITE);
});
afterEach(async () => {
  await run?.close();
});
afterAll(async () => {
  await t.close();
  await removeSuite(SUITE);
});

describe('container_not_running', () => {
  it('finds a stopped container, starts it, and verifies it runs', async () => {
    run = testRunContext();
    await runContainer({ name: 'oxc-stopped', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', 'oxc-stopped');
    const check = containerCheckOf('redis', { container: 'oxc-stopped' });

    const result = await check.run(run.ctx);
    const f = onlyFinding(result.findings);
    expect(f).toMatchObject({
      code: 'container_not_running',
      target: 'oxc-stopped',
      targetKey: 'container:oxc-stopped',
      params: { container: 'oxc-stopped' },
      message: "Docker container 'oxc-stopped' not running (exited, exit code 137)",
    });
    expect(f.evidence).toMatchObject({ state: 'exited', exit_code: 137, crash_exits: 0 });
    expect(f.manual).toBeUndefined();
    expect(result.facts?.containers).toEqual(['oxc-stopped']);

    const start = remedy('start_container');
    expect(start.category).toBe('container');
    expect(start.describe(f)).toBe('Starting oxc-stopped container...');
    const r = await start.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container started successfully');
    const v = await check.verify!(f, run.ctx, 10_000);
    expect(v).toEqual({ ok: true, detail: 'Container running' });
    expect((await inspect('oxc-stopped')).State.Running).toBe(true);
    expect((await check.run(run.ctx)).findings).toEqual([]);
  });

  it('counts deliberate stops as stops, not as a crash loop', async () => {
    run = testRunContext();
    await runContainer({ name: 'oxc-stopstart', suite: SUITE, cmd: SLEEP_FOREVER });
    for (let i = 0; i < 3; i++) {
      await docker('stop', '-t', '0', 'oxc-stopstart');
      await docker('start', 'oxc-stopstart');
    }
    await docker('stop', '-t', '0', 'oxc-stopstart');
    const f = onlyFinding(
      (await containerCheckOf('s', { container: 'oxc-stopstart' }).run(run.ctx)).findings,
    );
    expect(f.code).toBe('container_not_running');
    expect(f.evidence.crash_exits).toBe(0);
  });

  it('refuses to touch a protected container', async () => {
    run = testRunContext();
    await runContainer({ name: 'oxc-protected', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', 'oxc-protected');
    const check = containerCheckOf('p', { container: 'oxc-protected' });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    for (const action of [
      'start_container',
      'restart_container',
      'force_restart_container',
      'recreate_container',
    ]) {
      await expect(
        remedy(action).run(
          f,
          remedyContext(run.ctx, check, { protected: { containers: ['oxc-protected'] } }),
        ),
      ).rejects.toThrow(
        "Container 'oxc-protected' is protected (protected.containers): Orixoon never touches it",
      );
    }
    const after = await inspect('oxc-protected');
    expect(after.State.Status).toBe('exited');
  });
});

describe('container_stuck', () => {
  it('finds a paused container, unpauses it, and verifies it runs', async () => {
    run = testRunContext();
    await runContainer({ name: 'oxc-paused', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('pause', 'oxc-paused');
    const check = containerCheckOf('app', { container: 'oxc-paused' });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f).toMatchObject({
      code: 'container_stuck',
      message: "Docker container 'oxc-paused' stuck (paused)",
    });
    expect(f.evidence.state).toBe('paused');

    const force = remedy('force_restart_container');
    expect(force.describe(f)).toBe('Unpausing oxc-paused container...');
    const before = await inspect('oxc-paused');
    const r = await force.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container unpaused');
    expect(await check.verify!(f, run.ctx, 10_000)).toEqual({ ok: true, detail: 'Container running' });
    const after = await inspect('oxc-paused');
    expect(after.State).toMatchObject({ Running: true, Paused: false });
    // Unpausing keeps the same process: nothing was restarted.
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
  });

  it('finds health stuck in `starting` past the start period, kills and starts it, and verifies the healthcheck', async () => {
    run = testRunContext();
    const dir = stateDir('oxc-starting');
    // First run: the probe hangs (no /tmp/ok), so health never leaves `starting`. After a restart the
    // state file is there and the probe passes.
    await runContainer({
      name: 'oxc-starting',
      suite: SUITE,
      cmd: [
        '/bin/sh',
        '-c',
        '[ -e /state/started ] && touch /tmp/ok; touch /state/started; exec sleep infinity',
      ],
      volumes: [`${dir}:/state`],
      health: { cmd: 'test -f /tmp/ok || sleep 600', interval: '1s', timeout: '600s', startPeriod: '1s' },
    });
    const check = containerCheckOf('worker', { container: 'oxc-starting' });
    // Start period 1 s + one interval 1 s: stuck after 2 s.
    await new Promise((r) => setTimeout(r, 2_300));
    expect((await inspect('oxc-starting')).State.Health?.Status).toBe('starting');
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f.code).toBe('container_stuck');
    expect(f.message).toMatch(/^Docker container 'oxc-starting' stuck \(health starting for \d+ s\)$/);

    const force = remedy('force_restart_container');
    expect(force.describe(f)).toBe('Force-restarting oxc-starting container (kill and start)...');
    const before = await inspect('oxc-starting');
    const r = await force.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container killed and started again');
    const v = await check.verify!(f, run.ctx, 10_000);
    expect(v).toEqual({ ok: true, detail: 'Container healthy (healthcheck passed)' });
    const after = await inspect('oxc-starting');
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
    expect((await t.runHealthcheck('oxc-starting')).ok).toBe(true);
  });
});

describe('container_unhealthy', () => {
  it('finds an unhealthy container, restarts it, and verifies by running the healthcheck itself', async () => {
    run = testRunContext();
    const dir = stateDir('oxc-unhealthy');
    // Healthy only after a restart, and then only 1 s after start: verify must wait for it.
    await runContainer({
      name: 'oxc-unhealthy',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: [
        '/bin/sh',
        '-c',
        'if [ -e /state/started ]; then (sleep 1; touch /tmp/ok) & fi; touch /state/started; exec sleep infinity',
      ],
      volumes: [`${dir}:/state`],
      health: { cmd: 'test -f /tmp/ok', interval: '1s', retries: 1 },
    });
    await waitFor('oxc-unhealthy', (i) => i.State.Health?.Status === 'unhealthy');
    const check = containerCheckOf('app', { container: 'oxc-unhealthy' });
    const result = await check.run(run.ctx);
    const f = onlyFinding(result.findings);
    expect(f).toMatchObject({
      code: 'container_unhealthy',
      message: "Docker container 'oxc-unhealthy' unhealthy",
    });
    expect(f.evidence).toMatchObject({ health: 'unhealthy', last_health_exit_code: 1 });

    const restart = remedy('restart_container');
    expect(restart.describe(f)).toBe('Restarting oxc-unhealthy container...');
    const r = await restart.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container restarted successfully');
    const started = Date.now();
    const v = await check.verify!(f, run.ctx, 10_000);
    const took = Date.now() - started;
    expect(v).toEqual({ ok: true, detail: 'Container healthy (healthcheck passed)' });
    // Well before Docker's own status could flip (it would need a probe after the file appears).
    expect(took).toBeLessThan(3_000);
    expect((await inspect('oxc-unhealthy')).State.Running).toBe(true);
    expect((await t.runHealthcheck('oxc-unhealthy')).ok).toBe(true);
  });

  it('verify fails within its timeout when the container stays unhealthy', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-sick',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      health: { cmd: 'echo "db down" && false', interval: '1s', retries: 1 },
    });
    await waitFor('oxc-sick', (i) => i.State.Health?.Status === 'unhealthy');
    const check = containerCheckOf('sick', { container: 'oxc-sick' });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    const started = Date.now();
    const v = await check.verify!(f, run.ctx, 1_500);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(v.ok).toBe(false);
    expect(v.detail).toBe("Container 'oxc-sick' still running, unhealthy; healthcheck: db down");
  });

  it('with expect: running an unhealthy container passes', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-sick-ok',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      health: { cmd: 'false', interval: '1s' },
    });
    await waitFor('oxc-sick-ok', (i) => i.State.Health?.Status === 'unhealthy');
    const r = await containerCheckOf('x', { container: 'oxc-sick-ok', expect: 'running' }).run(run.ctx);
    expect(r.findings).toEqual([]);
    expect(r.summary).toBe('running, unhealthy');
  });
});

describe('crash_loop', () => {
  it('finds a crash loop from die events, recreates the container with a fresh writable layer, and verifies it stays up', async () => {
    run = testRunContext();
    // A stale pid file in the writable layer: once the app crashes without cleaning up, every restart
    // exits at once. Only a fresh writable layer (recreate) fixes it.
    const script =
      'if [ -e /app.pid ]; then echo "stale pid file" >&2; exit 3; fi; echo $$ > /app.pid; ' +
      'while [ ! -e /tmp/crash ]; do sleep 0.1; done; exit 1';
    await runContainer({
      name: 'oxc-crashloop',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: ['/bin/sh', '-c', script],
      restart: 'always',
      labels: { 'oxc.role': 'api' },
      env: { APP_MODE: 'test' },
      health: { cmd: 'test -e /app.pid', interval: '1s' },
    });
    await waitFor('oxc-crashloop', (i) => i.State.Running);
    await docker('exec', 'oxc-crashloop', '/bin/touch', '/tmp/crash');
    await waitFor('oxc-crashloop', (i) => i.RestartCount >= 3, 30_000);
    const old = await inspect('oxc-crashloop');

    const check = containerCheckOf('api', { container: 'oxc-crashloop' });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f.code).toBe('crash_loop');
    expect(f.message).toMatch(
      /^Docker container 'oxc-crashloop' in a crash loop \((\d+ exits in 5 min, last exit code 3|restarting)\)$/,
    );
    expect(f.evidence.crash_exits as number).toBeGreaterThanOrEqual(3);
    expect(f.recommendation).toContain('docker logs oxc-crashloop');

    const recreate = remedy('recreate_container');
    expect(recreate.describe(f)).toBe(
      'Recreating oxc-crashloop container (fresh writable layer, volumes kept)...',
    );
    const r = await recreate.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container recreated (fresh writable layer, volumes kept)');
    const v = await check.verify!(f, run.ctx, 15_000);
    expect(v.ok).toBe(true);
    expect(v.detail).toMatch(/^Container healthy \(healthcheck passed\), up \d+(\.\d)? s without exiting$/);

    const now = await inspect('oxc-crashloop');
    expect(now.Id).not.toBe(old.Id);
    expect(r.data).toMatchObject({ old_id: old.Id.slice(0, 12), new_id: now.Id.slice(0, 12) });
    expect(now.State.Running).toBe(true);
    expect(now.RestartCount).toBe(0);
    expect(now.Config.Cmd).toEqual(old.Config.Cmd);
    expect(now.Config.Labels).toEqual(old.Config.Labels);
    expect(now.Config.Env).toEqual(old.Config.Env);
    expect(now.HostConfig.RestartPolicy.Name).toBe('always');
    // Exactly one container of that name, and the old one is gone.
    expect(await docker('ps', '-aq', '--filter', `id=${old.Id}`)).toBe('');
    expect(
      (await docker('ps', '-a', '--filter', 'label=oxc.role=api', '--format', '{{.Names}}')).split('\n'),
    ).toEqual(['oxc-crashloop']);
    expect((await check.run(run.ctx)).findings).toEqual([]);
  });

  it('finds a crash loop in a container started again and again without a restart policy', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-exits',
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'exit 5'],
      createOnly: true,
    });
    for (let i = 0; i < 3; i++) {
      await docker('start', 'oxc-exits');
      await docker('wait', 'oxc-exits');
    }
    const check = containerCheckOf('e', { container: 'oxc-exits', crash_loop_restarts: 3 });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f.code).toBe('crash_loop');
    expect(f.message).toBe(
      "Docker container 'oxc-exits' in a crash loop (3 exits in 5 min, last exit code 5)",
    );
    // A higher bar is not met by the same history.
    const lenient = containerCheckOf('e', { container: 'oxc-exits', crash_loop_restarts: 4 });
    expect(onlyFinding((await lenient.run(run.ctx)).findings).code).toBe('container_not_running');
  });

  it('verify says so when the recreated container still exits', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-always-exits',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'sleep 0.5; exit 9'],
      restart: 'always',
    });
    await waitFor('oxc-always-exits', (i) => i.RestartCount >= 3, 30_000);
    const check = containerCheckOf('x', { container: 'oxc-always-exits' });
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f.code).toBe('crash_loop');
    await remedy('recreate_container').run(f, remedyContext(run.ctx, check));
    const v = await check.verify!(f, run.ctx, 2_500);
    expect(v.ok).toBe(false);
    expect(v.detail).toMatch(/oxc-always-exits/);
  });
});

describe('memory_leak', () => {
  it('finds memory near the limit, restarts the application, and verifies memory is back down', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-leak',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: ['/usr/bin/perl', '-e', PERL_LEAK],
      memory: '64m',
    });
    await docker('exec', 'oxc-leak', '/bin/touch', '/tmp/leak');
    const check = containerCheckOf('app', { container: 'oxc-leak' });
    let result = await check.run(run.ctx);
    for (let i = 0; i < 100 && result.findings.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await check.run(run.ctx);
    }
    const f = onlyFinding(result.findings);
    expect(f.code).toBe('memory_leak');
    expect(f.message).toMatch(/^Docker container 'oxc-leak' memory at (9\d|100)% of its 64 MiB limit$/);
    const mem = f.evidence.memory as { working_set_bytes: number; limit_bytes: number; percent: number };
    expect(mem.limit_bytes).toBe(64 * 1024 * 1024);
    expect(mem.percent).toBeGreaterThanOrEqual(90);

    const restart = remedy('restart_application');
    expect(restart.describe(f)).toBe('Restarting oxc-leak container...');
    const r = await restart.run(f, remedyContext(run.ctx, check));
    expect(r.details).toBe('Container restarted successfully');
    const v = await check.verify!(f, run.ctx, 10_000);
    expect(v.ok).toBe(true);
    expect(v.detail).toMatch(/^Container running, memory at \d+%$/);
    const s = await t.stats('oxc-leak');
    expect((s.usage - s.inactiveFile) / s.limit).toBeLessThan(0.5);
    expect((await inspect('oxc-leak')).State.Running).toBe(true);
  });

  it('finds OOM kills since the last start, and forgets them after a restart', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-oom',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'while :; do if [ -e /tmp/leak ]; then tail /dev/zero; fi; sleep 0.1; done'],
      memory: '16m',
    });
    const check = containerCheckOf('app', { container: 'oxc-oom' });
    expect((await check.run(run.ctx)).findings).toEqual([]);
    await docker('exec', 'oxc-oom', '/bin/touch', '/tmp/leak');
    const since = Date.now() - 1_000;
    for (let i = 0; i < 100 && (await t.countEvents('oxc-oom', 'oom', since)) === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const f = onlyFinding((await check.run(run.ctx)).findings);
    expect(f.code).toBe('memory_leak');
    expect(f.message).toBe("Docker container 'oxc-oom' ran out of memory (OOM-killed at its 16 MiB limit)");
    expect(f.evidence.oom_events as number).toBeGreaterThan(0);

    await remedy('restart_application').run(f, remedyContext(run.ctx, check));
    expect((await check.verify!(f, run.ctx, 10_000)).ok).toBe(true);
    expect((await check.run(run.ctx)).findings).toEqual([]);
    expect((await inspect('oxc-oom')).State.Running).toBe(true);
  });
});

describe('restart_service and restart_worker', () => {
  it('restart the container the finding names in params', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-worker',
      extraArgs: ['--stop-timeout', '1'],
      suite: SUITE,
      cmd: SLEEP_FOREVER,
    });
    const check = containerCheckOf('w', { container: 'oxc-worker' });
    for (const action of ['restart_service', 'restart_worker']) {
      const before = await inspect('oxc-worker');
      const finding = {
        code: 'worker_down' as const,
        checkId: 'w',
        target: 'tds-scheduler',
        targetKey: 'worker:w',
        message: 'Worker down',
        evidence: {},
        params: { container: 'oxc-worker' },
      };
      expect(remedy(action).describe(finding)).toBe('Restarting oxc-worker container...');
      const r = await remedy(action).run(finding, remedyContext(run.ctx, check));
      expect(r.details).toBe('Container restarted successfully');
      const after = await inspect('oxc-worker');
      expect(after.State.Running).toBe(true);
      expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
    }
  });
});
