// Real runs in parallel on one target: the built action (dist/index.js) and monitor (dist/cli.js)
// started as a runner or a user starts them. Each takes the target's lease on its Docker engine before
// acting, so exactly one acts; the other waits and re-tests. What the engine did is counted from its
// own event stream, and the containers are inspected afterwards.
// First: registers the test-probe check type before anything loads the config schema.
import { probes } from './probe-check-type.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { docker, inspect, removeSuite, runContainer, waitFor } from '../helpers/docker.js';
import { outcomeOf, tempDir } from '../helpers/engine.js';
import {
  actionEnv,
  cleanEnv,
  NodeProcess,
  onlyReport,
  requireDist,
  waitFor as waitUntil,
} from './process-support.js';
import { LEASE_LABEL } from '../../src/targets/docker/index.js';
import type { RunReport } from '../../src/report/model.js';
import type { Remedy } from '../../src/core/types.js';
import { loadConfigFile } from '../../src/config/load.js';
import { runEngine } from '../../src/engine/run.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'lease-runs';
const started: NodeProcess[] = [];

beforeAll(async () => {
  requireDist();
  await removeSuite(SUITE);
});
afterEach(() => {
  for (const p of started.splice(0)) p.stop();
});
afterAll(() => removeSuite(SUITE));

function config(dir: string, name: string, extra = ''): void {
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(
    join(dir, '.github/orixoon.yml'),
    `${extra}phases:\n  - name: infrastructure\n    checks:\n      - { id: app, type: container, container: ${name} }\n`,
  );
}

/** One action step of workflow run `runId`, in a directory of its own. */
function startAction(runId: string, name: string, extra = '', inputs: Record<string, string> = {}) {
  const dir = tempDir();
  config(dir, name, extra);
  const { env, files } = actionEnv(
    dir,
    { 'auto-heal': 'true', 'report-dir': 'out', ...inputs },
    { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1', GITHUB_WORKFLOW: 'deploy' },
  );
  const p = new NodeProcess('index.js', [], { cwd: dir, env });
  started.push(p);
  return { p, dir, files, report: (): RunReport => onlyReport(join(dir, 'out')).report };
}

/** The engine's own events for this suite's containers between two instants (epoch ms). */
async function events(sinceMs: number, untilMs: number): Promise<string[]> {
  const out = await docker(
    'events',
    '--since',
    (sinceMs / 1000).toFixed(3),
    '--until',
    (untilMs / 1000).toFixed(3),
    '--filter',
    'type=container',
    '--filter',
    `label=orixoon.test=${SUITE}`,
    '--format',
    '{{.Action}}',
  );
  return out.split('\n').filter(Boolean);
}

const count = (list: string[], action: string): number => list.filter((a) => a === action).length;

/** Lease objects left on the engine for a target key. */
async function leaseObjects(key: string): Promise<string[]> {
  return (await docker('ps', '-a', '--filter', `label=orixoon.lease.key=${key}`, '--format', '{{.Names}}'))
    .split('\n')
    .filter(Boolean);
}

async function crashLooping(name: string): Promise<string> {
  // A stale pid file in the writable layer: once the app crashes, every restart exits at once; only a
  // recreate (a fresh writable layer) fixes it.
  const script =
    'if [ -e /app.pid ]; then echo "stale pid file" >&2; exit 3; fi; echo $$ > /app.pid; ' +
    'while [ ! -e /tmp/crash ]; do sleep 0.1; done; exit 1';
  await runContainer({
    name,
    suite: SUITE,
    extraArgs: ['--stop-timeout', '1'],
    cmd: ['/bin/sh', '-c', script],
    restart: 'always',
    health: { cmd: 'test -e /app.pid', interval: '1s' },
  });
  await waitFor(name, (i) => i.State.Running);
  await docker('exec', name, '/bin/touch', '/tmp/crash');
  await waitFor(name, (i) => i.RestartCount >= 3, 30_000);
  return (await inspect(name)).Id;
}

describe('leases across real runs', () => {
  test('two action runs on one crash-looping container (approve: all): exactly one recreate; one healed, the other recovered', async () => {
    const name = 'oxl-crash';
    const oldId = await crashLooping(name);
    const since = Date.now();
    // A lease far shorter than the recreate and its re-test: only its renewals keep the other run out.
    const short = 'safety_limits:\n  lease_seconds: 2\n';
    const a = startAction('101', name, short, { approve: 'all' });
    const b = startAction('102', name, short, { approve: 'all' });
    const [ea, eb] = await Promise.all([a.p.exited, b.p.exited]);
    const seen = await events(since, Date.now());
    expect(ea.code, a.p.stdout).toBe(0);
    expect(eb.code, b.p.stdout).toBe(0);

    // Exactly one recreate: one container destroyed, one created, over the whole window.
    expect(count(seen, 'create'), seen.join(' ')).toBe(1);
    expect(count(seen, 'destroy'), seen.join(' ')).toBe(1);
    const outcomes = [outcomeOf(a.report(), 'app', 'crash_loop'), outcomeOf(b.report(), 'app', 'crash_loop')];
    expect([...outcomes].sort()).toEqual(['healed', 'recovered']);
    const waiter = outcomes[0] === 'healed' ? b : a;
    const holder = waiter === a ? '102' : '101';
    expect(waiter.p.stdout).toContain(
      `oxl-crash is held by org/app run ${holder} attempt 1: waiting up to 60 s`,
    );
    expect(waiter.report().findings[0]!.reason).toMatch(
      new RegExp(
        `^passed on re-test after org/app run ${holder} attempt 1 held container:${name} \\(waited \\d+ s\\)$`,
      ),
    );
    expect(waiter.report().verdict).toBe('healed');

    const now = await inspect(name);
    expect(now.Id).not.toBe(oldId);
    expect(now.State.Running).toBe(true);
    expect(now.RestartCount).toBe(0);
    expect(await leaseObjects(`container:${name}`)).toEqual([]);
    expect(await leaseObjects(`container:${name}#next`)).toEqual([]);
  });

  test('a holder killed with SIGKILL mid-action: the next run waits for its lease to expire, then proceeds', async () => {
    const name = 'oxl-slow';
    // PID 1 takes no SIGTERM, so a stop waits out the stop timeout: the restart is slow.
    await runContainer({
      name,
      suite: SUITE,
      extraArgs: ['--stop-timeout', '6'],
      cmd: ['/bin/sh', '-c', 'while true; do sleep 0.2; done'],
      health: { cmd: 'test ! -e /tmp/sick', interval: '1s' },
    });
    await docker('exec', name, '/bin/touch', '/tmp/sick');
    await waitFor(name, (i) => i.State.Health?.Status === 'unhealthy');
    const extra = 'safety_limits:\n  lease_seconds: 8\n  lease_wait_seconds: 30\n';

    const a = startAction('201', name, extra);
    await waitUntil('run 201 acting', () => a.p.stdout.includes('🔧 HEALING: Restarting oxl-slow'), 60_000);
    a.p.child.kill('SIGKILL');
    const killed = await a.p.exited;
    expect(killed.signal).toBe('SIGKILL');
    // The dead run's lease (and its renewals) stays until its expiry.
    const objects = await leaseObjects(`container:${name}`);
    expect(objects.length).toBeGreaterThan(0);
    const expiries = (
      await docker(
        'ps',
        '-a',
        '--filter',
        `label=orixoon.lease.key=container:${name}`,
        '--format',
        '{{.Label "orixoon.lease.expires"}}',
      )
    )
      .split('\n')
      .map(Number);
    const expiry = Math.max(...expiries);
    expect(expiry).toBeGreaterThan(killed.at);

    const b = startAction('202', name, extra);
    // A run that waits less than the dead holder's lease lasts: locked, naming the holder.
    const c = startAction('203', name, 'safety_limits:\n  lease_seconds: 8\n  lease_wait_seconds: 1\n');
    const [eb, ec] = await Promise.all([b.p.exited, c.p.exited]);
    expect(ec.code, c.p.stdout).toBe(1);
    const locked = c.report().findings.find((x) => x.code === 'container_unhealthy')!;
    expect(locked.outcome).toBe('locked');
    expect(locked.attempts).toBe(0);
    expect(locked.reason).toMatch(
      /^locked by org\/app run 201 attempt 1 until \d\d:\d\d:\d\d UTC: another run is acting on container:oxl-slow; waited [12] s \(lease_wait_seconds 1\), not acted on$/,
    );
    expect(c.report().verdict).toBe('blocked');
    expect(readFileSync(c.files.summary, 'utf8')).toContain('locked by org/app run 201 attempt 1 until');
    expect(eb.code, b.p.stdout).toBe(0);
    expect(b.p.stdout).toContain('oxl-slow is held by org/app run 201 attempt 1: waiting up to 30 s');
    const f = b.report().findings.find((x) => x.code === 'container_unhealthy')!;
    // After the dead holder's lease expired the next run re-tested. Whether the daemon finished the
    // restart the killed client asked for is Docker's timing (a client that disconnects mid-restart may
    // leave it undone), so the run either found it passing or healed it itself — but never before the
    // dead holder's lease expired.
    if (f.outcome === 'recovered') {
      expect(f.reason).toMatch(
        /^passed on re-test after org\/app run 201 attempt 1 held container:oxl-slow \(waited \d+ s\)$/,
      );
      expect(b.report().actions ?? []).toEqual([]);
    } else {
      expect(f.outcome).toBe('healed');
      const acted = b.report().actions ?? [];
      expect(acted.length).toBeGreaterThan(0);
      for (const act of acted) expect(Date.parse(act.timestamp)).toBeGreaterThanOrEqual(expiry);
    }
    expect(eb.at).toBeGreaterThanOrEqual(expiry);
    const now = await waitFor(name, (i) => i.State.Health?.Status === 'healthy', 20_000);
    expect(now.State.Running).toBe(true);
    expect(await leaseObjects(`container:${name}`)).toEqual([]);
  });

  test('the monitor and an action run on the same stopped container: exactly one start', async () => {
    const name = 'oxl-stopped';
    await runContainer({ name, suite: SUITE, cmd: ['/bin/sleep', 'infinity'] });
    await docker('stop', '-t', '0', name);
    const since = Date.now();
    const mdir = tempDir();
    config(mdir, name);
    const monitor = new NodeProcess(
      'cli.js',
      [
        'monitor',
        '--config',
        '.github/orixoon.yml',
        '--interval',
        '0.5',
        '--iterations',
        '3',
        '--report-dir',
        'out',
      ],
      { cwd: mdir, env: cleanEnv() },
    );
    started.push(monitor);
    const a = startAction('301', name);
    const [em, ea] = await Promise.all([monitor.exited, a.p.exited]);
    const seen = await events(since, Date.now());
    expect(em.code, monitor.stdout + monitor.stderr).toBe(0);
    expect(ea.code, a.p.stdout).toBe(0);
    expect(count(seen, 'start'), seen.join(' ')).toBe(1);
    // Whichever came first acted; the action run either waited and re-tested or found it running.
    expect(['healed', 'recovered', undefined]).toContain(outcomeOf(a.report(), 'app'));
    const acting = (text: string): number => text.split('🔧 HEALING: Starting oxl-stopped').length - 1;
    expect(acting(monitor.stdout) + acting(a.p.stdout)).toBe(1);
    const now = await inspect(name);
    expect(now.State.Running).toBe(true);
    expect(await leaseObjects(`container:${name}`)).toEqual([]);
    // No lease object was ever started, and discovery would not have seen one as a service.
    expect(seen).not.toContain('die');
    expect(LEASE_LABEL).toBe('orixoon.lease');
  });
});

describe('a lease that cannot be taken', () => {
  test('its system unreachable: the action is not taken (fail closed), locked with the reason, within the deadline', async () => {
    let ran = false;
    const fix: Remedy = {
      action: 'test_cache_fix',
      category: 'database',
      describe: () => 'Fixing the cache...',
      run() {
        ran = true;
        return Promise.resolve({ details: 'fixed' });
      },
    };
    (REMEDIES as Map<string, Remedy>).set(fix.action, fix);
    probes.set('cache', {
      run: () =>
        Promise.resolve({
          findings: [
            {
              code: 'redis_high_memory',
              checkId: 'cache',
              target: 'cache',
              targetKey: 'redis:cache',
              message: 'Redis memory high',
              evidence: {},
              action: 'test_cache_fix',
            },
          ],
        }),
    });
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orixoon.yml'),
      'phases:\n  - name: p\n    checks:\n      - { id: cache, type: test-probe }\n',
    );
    const t0 = Date.now();
    // Nothing listens on port 1: the Redis server that would hold the lease is unreachable.
    const report = await runEngine({
      loaded: loadConfigFile(join(dir, 'orixoon.yml'), process.env),
      redisUrl: 'redis://127.0.0.1:1',
      timeoutSeconds: 30,
    });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(ran).toBe(false);
    expect(report.verdict).toBe('blocked');
    expect(report.findings[0]).toMatchObject({ outcome: 'locked', attempts: 0 });
    expect(report.findings[0]!.reason).toMatch(
      /^the lease on redis:cache could not be taken \(.+\): not acted on, since another run might be acting on it$/,
    );
    expect(report.actions ?? []).toEqual([]);
  });
});
