// The whole engine against a real Docker engine: session limits, protection, root cause first,
// dry run, approvals, invalid config and an unreachable Docker host.
import { createServer, type Server } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main as cli } from '../../src/cli.js';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER, waitFor } from '../helpers/docker.js';
import { configErrorOf, outcomeOf, runWithConfig, tempDir } from '../helpers/engine.js';

const SUITE = 'engine';
const P = 'oxe-';

beforeAll(async () => {
  await removeSuite(SUITE);
});
afterAll(async () => {
  await removeSuite(SUITE);
});

function containerChecks(names: string[], extra = ''): string {
  return names.map((n) => `      - { id: ${n}, type: container, container: ${P}${n}${extra} }`).join('\n');
}

async function cliRun(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: process.env, cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('engine with real containers', () => {
  test('7 stopped containers with the default limit of 5: exactly 5 started, 2 limit_reached, blocked, exit 1', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `many${i + 1}`);
    for (const n of names) {
      await runContainer({ name: `${P}${n}`, suite: SUITE, cmd: SLEEP_FOREVER });
      await docker('stop', '-t', '0', `${P}${n}`);
    }
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orixoon.yml'),
      `safety_limits: { max_failing_services: 0 }\nphases:\n  - name: infrastructure\n    checks:\n${containerChecks(names)}\n`,
    );
    const { code, out } = await cliRun(['check', '--config', 'orixoon.yml', '--auto-heal', '--json'], dir);
    expect(code).toBe(1);
    const report = JSON.parse(out.slice(0, out.lastIndexOf('}') + 1));
    expect(report.verdict).toBe('blocked');
    const outcomes = report.findings.map((f: { outcome: string }) => f.outcome).sort();
    expect(outcomes).toEqual([
      'healed',
      'healed',
      'healed',
      'healed',
      'healed',
      'limit_reached',
      'limit_reached',
    ]);
    const running = [];
    for (const n of names) if ((await inspect(`${P}${n}`)).State.Running) running.push(n);
    expect(running).toHaveLength(5);
    // The ones left stopped are exactly the limit_reached ones, and the reason names the limit.
    const limited = report.findings.filter((f: { outcome: string }) => f.outcome === 'limit_reached');
    for (const f of limited) {
      expect((await inspect(`${P}${f.checkId}`)).State.Running).toBe(false);
      expect(f.reason).toMatch(/max_container_restarts_per_session = 5/);
    }
    expect(report.auto_healing.summary).toMatchObject({
      total_actions: 5,
      successful: 5,
      failed: 0,
      success_rate: '100.0%',
    });
  });

  test('a protected container that is stopped stays stopped and is reported', async () => {
    await runContainer({ name: `${P}guarded`, suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', `${P}guarded`);
    const r = await runWithConfig(
      `protected: { containers: [${P}guarded] }\nphases:\n  - name: p\n    checks:\n${containerChecks(['guarded'])}\n`,
    );
    expect(outcomeOf(r.report, 'guarded')).toBe('guarded');
    expect(r.report.findings[0]!.reason).toMatch(/protected/);
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.actions).toHaveLength(0);
    expect((await inspect(`${P}guarded`)).State.Status).toBe('exited');
    expect(r.summary).toMatch(/guarded/);
  });

  describe('root cause first', () => {
    // The dependent's healthcheck needs the dependency (a Redis) to answer: it is unhealthy while the
    // dependency is down and recovers by itself once it is back.
    const port = 57110;
    async function startPair(depCmd?: string[]): Promise<void> {
      await runContainer({
        name: `${P}dep`,
        suite: SUITE,
        cmd: depCmd ?? [
          '/usr/bin/redis-server',
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        labels: { 'com.docker.compose.project': 'oxe', 'com.docker.compose.service': 'dep' },
      });
      await runContainer({
        name: `${P}dependent`,
        suite: SUITE,
        cmd: SLEEP_FOREVER,
        health: { cmd: `/usr/bin/redis-cli -p ${port} ping | grep -q PONG`, interval: '1s', retries: 1 },
        labels: {
          'com.docker.compose.project': 'oxe',
          'com.docker.compose.service': 'dependent',
          'com.docker.compose.depends_on': 'dep:service_started:false',
        },
      });
    }

    test('a stopped dependency and its unhealthy dependent: only the dependency is acted on', async () => {
      await startPair();
      await waitFor(`${P}dependent`, (i) => i.State.Health?.Status === 'healthy');
      await docker('stop', '-t', '0', `${P}dep`);
      await waitFor(`${P}dependent`, (i) => i.State.Health?.Status === 'unhealthy');
      const startedBefore = (await inspect(`${P}dependent`)).State.StartedAt;
      // The dependent comes first in the config; depends_on makes the dependency go first.
      const r = await runWithConfig(
        `phases:\n  - name: p\n    checks:\n      - { id: dependent, type: container, container: ${P}dependent, depends_on: [dep] }\n      - { id: dep, type: container, container: ${P}dep }\n`,
      );
      expect(outcomeOf(r.report, 'dep')).toBe('healed');
      expect(outcomeOf(r.report, 'dependent')).toBe('recovered');
      expect(r.report.actions.map((a) => a.target)).toEqual([`${P}dep`]);
      expect(r.report.verdict).toBe('healed');
      const after = await inspect(`${P}dependent`);
      expect(after.State.StartedAt).toBe(startedBefore); // never restarted
      expect(after.State.Running).toBe(true);
    });

    test('the dependent is blocked_by_dependency when the dependency cannot be healed (Compose label)', async () => {
      // A dependency that exits at once: starting it never sticks.
      await startPair(['/bin/sh', '-c', 'exit 3']);
      await waitFor(`${P}dep`, (i) => i.State.Status === 'exited');
      await waitFor(`${P}dependent`, (i) => i.State.Health?.Status === 'unhealthy');
      const startedBefore = (await inspect(`${P}dependent`)).State.StartedAt;
      const r = await runWithConfig(
        `auto_healing: { retry_delay_seconds: 0.2, stabilization_timeout_seconds: 2 }\nphases:\n  - name: p\n    checks:\n      - { id: dependent, type: container, container: ${P}dependent }\n      - { id: dep, type: container, container: ${P}dep }\n`,
      );
      expect(outcomeOf(r.report, 'dep')).toBe('failed');
      expect(outcomeOf(r.report, 'dependent')).toBe('blocked_by_dependency');
      expect(r.report.findings.find((f) => f.checkId === 'dependent')!.reason).toMatch(/dep/);
      expect(r.report.actions.every((a) => a.target === `${P}dep`)).toBe(true);
      expect((await inspect(`${P}dependent`)).State.StartedAt).toBe(startedBefore);
      expect(r.report.verdict).toBe('blocked');
      expect(r.console).toMatch(/HEALING FAILED/);
      expect(r.console).toMatch(/Deployment: BLOCKED/);
    });
  });

  test('dry run: nothing changes, the plan is in report.json and the job summary', async () => {
    await runContainer({ name: `${P}dry`, suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', `${P}dry`);
    const r = await runWithConfig(`phases:\n  - name: p\n    checks:\n${containerChecks(['dry'])}\n`, {
      dryRun: true,
    });
    expect(outcomeOf(r.report, 'dry')).toBe('dry_run');
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.actions).toHaveLength(0);
    expect((await inspect(`${P}dry`)).State.Status).toBe('exited');
    const json = JSON.parse(r.reportJson);
    expect(json.findings[0].plan).toMatch(new RegExp(`start_container on ${P}dry`));
    expect(r.summary).toMatch(/Dry-run plan/);
    expect(r.summary).toContain(`start_container on ${P}dry`);
  });

  test('high risk: a crash loop awaits approval, then the approve input lets it be recreated', async () => {
    // Exits at once, restarted by Docker: die events pile up.
    await docker('rm', '-f', `${P}crashy`, `${P}fixer`).catch(() => '');
    await docker('volume', 'rm', '-f', `${P}crashy-vol`);
    await runContainer({
      name: `${P}crashy`,
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'test -f /data/fixed && exec sleep infinity; exit 1'],
      restart: 'always',
      volumes: [`${P}crashy-vol:/data`],
    });
    await waitFor(`${P}crashy`, (i) => i.RestartCount >= 3, 60_000);
    const config = `auto_healing: { stabilization_timeout_seconds: 5 }\nphases:\n  - name: p\n    checks:\n      - { id: crashy, type: container, container: ${P}crashy, crash_loop_restarts: 3 }\n`;
    const first = await runWithConfig(config);
    const f = first.report.findings.find((x) => x.checkId === 'crashy')!;
    expect(f.code).toBe('crash_loop');
    expect(f.outcome).toBe('awaiting_approval');
    expect(first.console).toMatch(/Confirmation required \(High risk action\)/);
    expect(first.summary).toContain(`/orixoon approve ${f.id}`);
    expect(first.report.actions).toHaveLength(0);
    const idBefore = (await inspect(`${P}crashy`)).Id;
    // Make the fix available in the volume, then approve with the id from the first run.
    await runContainer({
      name: `${P}fixer`,
      suite: SUITE,
      cmd: ['/bin/sh', '-c', 'touch /data/fixed'],
      volumes: [`${P}crashy-vol:/data`],
    });
    await waitFor(`${P}fixer`, (i) => i.State.Status === 'exited');
    const second = await runWithConfig(config, { approve: [f.id] });
    const f2 = second.report.findings.find((x) => x.checkId === 'crashy')!;
    expect(f2.id).toBe(f.id); // stable id
    expect(f2.outcome).toBe('healed');
    expect(f2.approval).toMatchObject({ id: f.id, via: 'input' });
    const after = await inspect(`${P}crashy`);
    expect(after.Id).not.toBe(idBefore); // recreated
    expect(after.State.Running).toBe(true);
    expect(after.Mounts.some((m) => m.Name === `${P}crashy-vol`)).toBe(true); // volume kept
    await docker('rm', '-f', `${P}crashy`, `${P}fixer`);
    await docker('volume', 'rm', '-f', `${P}crashy-vol`);
  });

  test('an invalid config: exit 2 with the line, and no Docker call is made', async () => {
    // A fake Docker socket that records every connection.
    const sock = join(tempDir(), 'docker.sock');
    let connections = 0;
    const server: Server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const dir = tempDir();
      writeFileSync(
        join(dir, 'orixoon.yml'),
        `targets:\n  docker: { host: "unix://${sock}" }\nphases:\n  - name: p\n    checks:\n      - { id: a, type: container, container: a, start_period_seconds: soon }\n`,
      );
      const { code, err } = await cliRun(['check', '--config', 'orixoon.yml', '--auto-heal'], dir);
      expect(code).toBe(2);
      expect(err).toMatch(
        /orixoon\.yml:6:\d+: phases\[0\]\.checks\[0\]\.start_period_seconds: expected number/,
      );
      expect(err).toMatch(/Nothing was checked or changed/);
      expect(connections).toBe(0);
      const e = await configErrorOf(
        runWithConfig(
          'phases: [{ name: p, checks: [{ id: a, type: container, container: a, expect: sick }] }]',
        ),
      );
      expect(e.problems[0]).toMatchObject({ line: 1, key: 'phases[0].checks[0].expect' });
    } finally {
      server.close();
      rmSync(sock, { force: true });
    }
  });

  test('an unreachable Docker host: blocked with a clear message inside the deadline', async () => {
    // Accepts connections and never answers.
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      const r = await runWithConfig(
        `targets:\n  docker: { host: "tcp://127.0.0.1:${port}", timeout_seconds: 2 }\nphases:\n  - name: p\n    checks:\n      - { id: app, type: container, container: app }\n`,
        { timeoutSeconds: 20 },
      );
      const elapsed = Date.now() - t0;
      expect(r.report.verdict).toBe('blocked');
      const f = r.report.findings[0]!;
      expect(f.code).toBe('check_error');
      expect(f.outcome).toBe('not_healable');
      expect(f.message).toMatch(new RegExp(`Docker.*127\\.0\\.0\\.1:${port}`));
      expect(elapsed).toBeLessThan(20_000); // a bound from the deadline, not a speed target
    } finally {
      server.close();
    }
  });
});
