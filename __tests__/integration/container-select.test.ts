// The container check's selection and facts on the real Docker engine: label selection (one finding
// per matching container), Compose identity and depends_on in all three formats, missing containers,
// an unreachable Docker host, advice for containers without healthcheck or restart policy, and a
// recreate that keeps volumes and configuration.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER, waitFor } from '../helpers/docker.js';
import { onlyFinding, remedy, remedyContext, testRunContext, type TestRun } from '../helpers/context.js';
import { containerCheckOf, stateDir, SUITE } from './container-support.js';

let run: TestRun;

beforeAll(async () => {
  await removeSuite(SUITE);
});
afterEach(async () => {
  await run?.close();
});
afterAll(async () => {
  await removeSuite(SUITE);
  for (const v of ['oxc-vol-data']) await docker('volume', 'rm', '-f', v).catch(() => '');
});

describe('selection', () => {
  it('by label: one finding per matching container that is wrong, facts for all', async () => {
    run = testRunContext();
    const group = `lbl-${Date.now()}`;
    for (const n of ['oxc-lbl-a', 'oxc-lbl-b', 'oxc-lbl-c']) {
      await runContainer({ name: n, suite: SUITE, cmd: SLEEP_FOREVER, labels: { 'oxc.group': group } });
    }
    await docker('stop', '-t', '0', 'oxc-lbl-b');
    await docker('pause', 'oxc-lbl-c');
    const r = await containerCheckOf('group', { label: `oxc.group=${group}` }).run(run.ctx);
    expect(r.findings.map((f) => [f.code, f.targetKey])).toEqual([
      ['container_not_running', 'container:oxc-lbl-b'],
      ['container_stuck', 'container:oxc-lbl-c'],
    ]);
    expect(r.facts?.containers).toEqual(['oxc-lbl-a', 'oxc-lbl-b', 'oxc-lbl-c']);
    expect(r.summary).toMatch(
      /^3 containers: oxc-lbl-a running, no healthcheck; oxc-lbl-b exited \(exit code 137\); oxc-lbl-c paused/,
    );
    await docker('unpause', 'oxc-lbl-c');
  });

  it('a missing container is a finding that cannot be healed', async () => {
    run = testRunContext();
    const r = await containerCheckOf('redis', { container: 'oxc-never-created' }).run(run.ctx);
    const f = onlyFinding(r.findings);
    expect(f).toMatchObject({
      code: 'container_not_running',
      target: 'oxc-never-created',
      targetKey: 'container:oxc-never-created',
      message: "Docker container 'oxc-never-created' does not exist",
      manual: 'Container oxc-never-created does not exist: create it (docker compose up -d)',
    });
    const byLabel = onlyFinding(
      (await containerCheckOf('g', { label: 'oxc.group=nothing-has-this' }).run(run.ctx)).findings,
    );
    expect(byLabel).toMatchObject({
      code: 'container_not_running',
      message: 'No Docker container has label oxc.group=nothing-has-this',
      manual: 'No container has label oxc.group=nothing-has-this: create it (docker compose up -d)',
    });
  });

  it('an unreachable Docker host fails the check with a clear error within the timeout', async () => {
    run = testRunContext({ dockerHost: 'tcp://127.0.0.1:1', dockerTimeoutMs: 2_000 });
    const started = Date.now();
    await expect(containerCheckOf('redis', { container: 'redis' }).run(run.ctx)).rejects.toThrow(
      /^Docker host tcp:\/\/127\.0\.0\.1:1 not reachable: .* — is the daemon running \/ is DOCKER_HOST right\?$/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    await run.close();
    run = testRunContext({ dockerHost: 'unix:///tmp/oxc-dead/docker.sock', dockerTimeoutMs: 2_000 });
    await expect(containerCheckOf('redis', { container: 'redis' }).run(run.ctx)).rejects.toThrow(
      /^Docker host unix:\/\/\/tmp\/oxc-dead\/docker\.sock not reachable: /,
    );
  });

  it('rejects a check with neither container nor label', () => {
    expect(() => containerCheckOf('x', {})).toThrow(
      "Check 'x' (container): set 'container' (a name) or 'label' (key=value)",
    );
  });
});

describe('facts and advice', () => {
  it('reads Compose identity and depends_on in all three formats', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-compose-app',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      labels: {
        'com.docker.compose.project': 'oxcshop',
        'com.docker.compose.service': 'app',
        'com.docker.compose.depends_on': 'db:service_healthy:true,redis:service_started, cache',
      },
      health: { cmd: 'true', interval: '1s' },
      restart: 'unless-stopped',
    });
    const r = await containerCheckOf('app', { container: 'oxc-compose-app' }).run(run.ctx);
    expect(r.facts?.compose).toEqual({
      project: 'oxcshop',
      service: 'app',
      dependsOn: ['db', 'redis', 'cache'],
    });
    expect(r.recommendations).toEqual([]);
  });

  it('with expect: healthy and no healthcheck it says so, and recommends a healthcheck and a restart policy', async () => {
    run = testRunContext();
    await runContainer({ name: 'oxc-bare', suite: SUITE, cmd: SLEEP_FOREVER });
    const r = await containerCheckOf('bare', { container: 'oxc-bare', expect: 'healthy' }).run(run.ctx);
    expect(r.findings).toEqual([]);
    expect(r.facts?.compose).toBeUndefined();
    expect(r.summary).toBe('running, no healthcheck (expect: healthy cannot be checked)');
    expect(r.recommendations).toEqual([
      "Add a healthcheck to container 'oxc-bare' (HEALTHCHECK in its image or healthcheck: in compose) so its readiness can be verified",
      "Set a restart policy on container 'oxc-bare' (restart: unless-stopped) so Docker brings it back after a crash",
    ]);
  });

  it('a healthy container passes with a short summary', async () => {
    run = testRunContext();
    await runContainer({
      name: 'oxc-fine',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      health: { cmd: 'true', interval: '1s' },
      memory: '64m',
    });
    await waitFor('oxc-fine', (i) => i.State.Health?.Status === 'healthy');
    const r = await containerCheckOf('fine', { container: 'oxc-fine' }).run(run.ctx);
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatch(/^running, healthy, memory \d+%$/);
  });
});

describe('recreate_container', () => {
  it('keeps named and anonymous volume data, and the configuration', async () => {
    run = testRunContext();
    await docker('volume', 'rm', '-f', 'oxc-vol-data').catch(() => '');
    await runContainer({
      name: 'oxc-recreate',
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'exec sleep infinity'],
      volumes: ['oxc-vol-data:/data', '/anon'],
      tmpfs: ['/tmp', '/run/app'],
      env: { APP_ENV: 'staging', FEATURE: 'x=y' },
      labels: { 'oxc.role': 'db', 'com.docker.compose.service': 'db' },
      memory: '96m',
      restart: 'unless-stopped',
      health: { cmd: 'test -d /data', interval: '2s', retries: 2, startPeriod: '3s' },
      extraArgs: [
        '--stop-timeout',
        '1',
        '--workdir',
        '/data',
        '--add-host',
        'oxc-db.internal:127.0.0.9',
        '--user',
        '0:0',
      ],
    });
    await docker(
      'exec',
      'oxc-recreate',
      '/bin/sh',
      '-c',
      'echo kept > /data/file; echo anon > /anon/file; echo layer > /layer-file',
    );
    const old = await inspect('oxc-recreate');
    const oldFull = JSON.parse(await docker('inspect', 'oxc-recreate'))[0];
    const anonName = old.Mounts.find((m) => m.Destination === '/anon')?.Name;
    expect(anonName).toBeTruthy();

    const check = containerCheckOf('db', { container: 'oxc-recreate' });
    const finding = {
      code: 'crash_loop' as const,
      checkId: 'db',
      target: 'oxc-recreate',
      targetKey: 'container:oxc-recreate',
      message: "Docker container 'oxc-recreate' in a crash loop",
      evidence: {},
      params: { container: 'oxc-recreate' },
    };
    const r = await remedy('recreate_container').run(finding, remedyContext(run.ctx, check));
    expect(r.data?.volumes_kept).toEqual(expect.arrayContaining(['oxc-vol-data', anonName]));

    const now = await inspect('oxc-recreate');
    const nowFull = JSON.parse(await docker('inspect', 'oxc-recreate'))[0];
    expect(now.Id).not.toBe(old.Id);
    expect(now.State.Running).toBe(true);
    expect(await docker('exec', 'oxc-recreate', '/bin/cat', '/data/file')).toBe('kept');
    expect(await docker('exec', 'oxc-recreate', '/bin/cat', '/anon/file')).toBe('anon');
    // A fresh writable layer: what was written outside volumes is gone.
    expect(
      await docker('exec', 'oxc-recreate', '/bin/sh', '-c', 'test -e /layer-file && echo still || echo gone'),
    ).toBe('gone');
    expect(now.Mounts.find((m) => m.Destination === '/anon')?.Name).toBe(anonName);

    for (const key of [
      'Cmd',
      'Env',
      'Labels',
      'Image',
      'WorkingDir',
      'User',
      'Healthcheck',
      'StopTimeout',
      'Entrypoint',
    ]) {
      expect(nowFull.Config[key], key).toEqual(oldFull.Config[key]);
    }
    for (const key of [
      'Memory',
      'MemorySwap',
      'RestartPolicy',
      'Tmpfs',
      'ExtraHosts',
      'NetworkMode',
      'Binds',
    ]) {
      expect(nowFull.HostConfig[key], key).toEqual(
        key === 'Binds' ? [...oldFull.HostConfig.Binds, `${anonName}:/anon`] : oldFull.HostConfig[key],
      );
    }
    // Both volumes still exist, and only one container has the name.
    expect(await docker('volume', 'ls', '-q', '--filter', 'name=oxc-vol-data')).toBe('oxc-vol-data');
    expect(await docker('volume', 'inspect', '-f', '{{.Name}}', anonName!)).toBe(anonName);
    expect(await docker('ps', '-aq', '--filter', `id=${old.Id}`)).toBe('');
    const verify = await check.verify!(finding, run.ctx, 15_000);
    expect(verify.ok).toBe(true);
    expect(verify.detail).toMatch(/^Container healthy \(healthcheck passed\), up [\d.]+ s without exiting$/);
    await docker('rm', '-f', 'oxc-recreate');
    await docker('volume', 'rm', '-f', anonName!);
  });

  it('puts the old container back when the new one cannot start', async () => {
    run = testRunContext();
    const src = stateDir('recreate-src');
    await runContainer({
      name: 'oxc-recreate-fail',
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'exit 2'],
      extraArgs: ['--mount', `type=bind,src=${src},dst=/src`],
    });
    await waitFor('oxc-recreate-fail', (i) => i.State.Status === 'exited');
    const old = await inspect('oxc-recreate-fail');
    // The bind source is gone from the host: Docker refuses to create the new container.
    rmSync(src, { recursive: true, force: true });
    const check = containerCheckOf('f', { container: 'oxc-recreate-fail' });
    const finding = {
      code: 'crash_loop' as const,
      checkId: 'f',
      target: 'oxc-recreate-fail',
      targetKey: 'container:oxc-recreate-fail',
      message: 'crash loop',
      evidence: {},
      params: { container: 'oxc-recreate-fail' },
    };
    await expect(remedy('recreate_container').run(finding, remedyContext(run.ctx, check))).rejects.toThrow(
      /^Recreating container 'oxc-recreate-fail' failed: Docker create of container 'oxc-recreate-fail': .*bind source path does not exist.*; the old container was put back$/,
    );
    const after = await inspect('oxc-recreate-fail');
    expect(after.Id).toBe(old.Id);
    expect(after.Name).toBe('/oxc-recreate-fail');
    expect(after.State.Status).toBe('exited');
    expect(
      (await docker('ps', '-a', '--filter', `label=orixoon.test=${SUITE}`, '--format', '{{.Names}}')).split(
        '\n',
      ),
    ).not.toContain(expect.stringMatching(/orixoon-old/));
  });
});
