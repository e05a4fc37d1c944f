// The docker target against the real Docker engine: selection, exec, logs, the container's own
// healthcheck, events, stats, event-driven waits, and clear errors for a Docker host that is not there.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER, TEST_LABEL } from '../helpers/docker.js';
import { DockerTarget, DockerUnreachableError } from '../../src/targets/docker/index.js';
import { SUITE } from './container-support.js';

const t = new DockerTarget({ timeoutMs: 10_000 });

beforeAll(async () => {
  await removeSuite(SUITE);
});
afterAll(async () => {
  await t.close();
  await removeSuite(SUITE);
});

describe('DockerTarget: connection', () => {
  it('pings the local daemon', async () => {
    await expect(t.ping()).resolves.toBeUndefined();
  });

  it('names the host and what to do when nothing listens (tcp)', async () => {
    const dead = new DockerTarget({ host: 'tcp://127.0.0.1:1', timeoutMs: 3_000 });
    const started = Date.now();
    const err = await dead.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnreachableError);
    expect((err as Error).message).toMatch(
      /^Docker host tcp:\/\/127\.0\.0\.1:1 not reachable: .*ECONNREFUSED.* — is the daemon running \/ is DOCKER_HOST right\?$/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('goes through ssh (ssh2 loads) and names the host when nothing answers', async () => {
    const dead = new DockerTarget({ host: 'ssh://deploy@127.0.0.1:1', timeoutMs: 3_000 });
    const started = Date.now();
    await expect(dead.ping()).rejects.toThrow(
      /^Docker host ssh:\/\/deploy@127\.0\.0\.1:1 not reachable: .*ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('names the socket when the unix socket does not exist', async () => {
    const dead = new DockerTarget({ host: 'unix:///tmp/oxc-no-such-docker.sock', timeoutMs: 3_000 });
    await expect(dead.findContainers({ name: 'x' })).rejects.toThrow(
      /^Docker host unix:\/\/\/tmp\/oxc-no-such-docker\.sock not reachable: .*ENOENT.* — is the daemon running/,
    );
  });

  it('gives up within its timeout on a host that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(57001, '127.0.0.1', () => r()));
    try {
      const silent = new DockerTarget({ host: 'tcp://127.0.0.1:57001', timeoutMs: 800 });
      const started = Date.now();
      const err = (await silent.inspect('anything').catch((e: unknown) => e)) as Error;
      const took = Date.now() - started;
      expect(err.message).toMatch(
        /^Docker host tcp:\/\/127\.0\.0\.1:57001 not reachable: no answer to inspect of container 'anything' within 800 ms/,
      );
      expect(took).toBeGreaterThanOrEqual(750);
      expect(took).toBeLessThan(2_000);
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('DockerTarget: containers', () => {
  it('finds by exact name (not by prefix) and by label, stopped ones included', async () => {
    const group = `grp-${Date.now()}`;
    await runContainer({
      name: 'oxc-find',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      labels: { 'oxc.group': group },
    });
    await runContainer({
      name: 'oxc-find-2',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      labels: { 'oxc.group': group },
    });
    await docker('stop', '-t', '0', 'oxc-find-2');

    const byName = await t.findContainers({ name: 'oxc-find' });
    expect(byName.map((c) => c.Names[0])).toEqual(['/oxc-find']);
    const byLabel = await t.findContainers({ label: `oxc.group=${group}` });
    expect(byLabel.map((c) => c.Names[0])).toEqual(['/oxc-find', '/oxc-find-2']);
    expect(byLabel[1].State).toBe('exited');
    expect(await t.findContainers({ name: 'oxc-nope-nothing' })).toEqual([]);
    const byId = await t.findContainers({ name: byName[0].Id.slice(0, 12) });
    expect(byId.map((c) => c.Id)).toEqual([byName[0].Id]);
  });

  it('execs with exit code and stdout+stderr in order, and bounds a hanging exec', async () => {
    await runContainer({ name: 'oxc-exec', suite: SUITE, cmd: SLEEP_FOREVER });
    const r = await t.exec(
      'oxc-exec',
      ['/bin/sh', '-c', 'echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2; exit 7'],
      5_000,
    );
    expect(r.exitCode).toBe(7);
    expect(r.output).toBe('out1\nerr1\nout2\n');

    const started = Date.now();
    await expect(t.exec('oxc-exec', ['/bin/sleep', '30'], 700)).rejects.toThrow(
      /^Docker exec of '\/bin\/sleep 30' in container 'oxc-exec' did not finish within 700 ms$/,
    );
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('reads log lines from stdout and stderr without timestamps, with tail and since', async () => {
    await runContainer({
      name: 'oxc-logs',
      suite: SUITE,
      cmd: [
        '/bin/sh',
        '-c',
        'echo "line one"; sleep 0.05; echo "ERROR two" >&2; sleep 0.05; printf "three\\nfour\\n"; exec sleep infinity',
      ],
    });
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 4; i++) {
      lines = await t.logs('oxc-logs');
      if (lines.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    expect(lines).toEqual(['line one', 'ERROR two', 'three', 'four']);
    expect(await t.logs('oxc-logs', { tail: 2 })).toEqual(['three', 'four']);
    expect(await t.logs('oxc-logs', { sinceSeconds: 300 })).toHaveLength(4);
    // Lines older than the window are left out.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await t.logs('oxc-logs', { sinceSeconds: 0.5 })).toEqual([]);
  });

  it("runs the container's own healthcheck now, and says when there is none", async () => {
    await runContainer({
      name: 'oxc-hc',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      health: { cmd: 'test -f /tmp/ok && echo fine', interval: '30s' },
    });
    const failing = await t.runHealthcheck('oxc-hc');
    expect(failing).toMatchObject({ defined: true, ok: false });
    await docker('exec', 'oxc-hc', '/bin/touch', '/tmp/ok');
    expect(await t.runHealthcheck('oxc-hc')).toEqual({ defined: true, ok: true, output: 'fine' });

    await runContainer({ name: 'oxc-nohc', suite: SUITE, cmd: SLEEP_FOREVER });
    expect(await t.runHealthcheck('oxc-nohc')).toEqual({ defined: false, ok: false, output: '' });
    await runContainer({
      name: 'oxc-hcnone',
      suite: SUITE,
      cmd: SLEEP_FOREVER,
      extraArgs: ['--no-healthcheck'],
    });
    expect((await t.runHealthcheck('oxc-hcnone')).defined).toBe(false);
  });

  it('counts past die events since a point in time', async () => {
    await runContainer({
      name: 'oxc-events',
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'exit 4'],
      createOnly: true,
    });
    const since = Date.now();
    for (let i = 0; i < 3; i++) {
      await docker('start', 'oxc-events');
      await docker('wait', 'oxc-events');
    }
    expect(await t.countEvents('oxc-events', 'die', since)).toBe(3);
    expect(await t.countEvents('oxc-events', 'die', Date.now() + 1)).toBe(0);
    const evs = await t.events('oxc-events', { actions: ['start', 'die'], sinceMs: since });
    expect(evs.map((e) => e.action)).toEqual(['start', 'die', 'start', 'die', 'start', 'die']);
    expect(evs[1].attributes.exitCode).toBe('4');
  });

  it('reads memory usage, inactive file cache and the limit in one shot', async () => {
    await runContainer({ name: 'oxc-stats', suite: SUITE, cmd: SLEEP_FOREVER, memory: '64m' });
    const started = Date.now();
    const s = await t.stats('oxc-stats');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(s.limit).toBe(64 * 1024 * 1024);
    expect(s.usage).toBeGreaterThan(0);
    expect(s.usage).toBeLessThan(s.limit);
    expect(s.inactiveFile).toBeGreaterThanOrEqual(0);
  });

  it('waits on events: resolves right after the container starts, and reports a timeout without throwing', async () => {
    await runContainer({ name: 'oxc-wait', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', 'oxc-wait');
    let startedAt = 0;
    const starter = new Promise<void>((resolve) =>
      setTimeout(() => {
        startedAt = Date.now();
        void docker('start', 'oxc-wait').then(() => resolve());
      }, 300),
    );
    const r = await t.waitFor('oxc-wait', (i) => i.State.Running, 10_000);
    const seenAt = Date.now();
    await starter;
    expect(r.ok).toBe(true);
    expect(r.info?.State.Running).toBe(true);
    expect(seenAt - startedAt).toBeLessThan(1_000);

    const never = await t.waitFor('oxc-wait', (i) => i.State.Paused, 400);
    expect(never.ok).toBe(false);
    expect(never.info?.State.Running).toBe(true);
    expect(never.waitedMs).toBeGreaterThanOrEqual(400);
    expect(never.waitedMs).toBeLessThan(1_500);

    const missing = await t.waitFor('oxc-no-such-container', () => true, 300);
    expect(missing.ok).toBe(false);
    expect(missing.error?.message).toMatch(/No such container/i);
  });

  it('lists only test containers through the suite label', async () => {
    const ours = await t.findContainers({ label: `${TEST_LABEL}=${SUITE}` });
    expect(ours.length).toBeGreaterThan(0);
    for (const c of ours) expect(c.Labels[TEST_LABEL]).toBe(SUITE);
    expect((await inspect('oxc-exec')).Config.Labels[TEST_LABEL]).toBe(SUITE);
  });
});
