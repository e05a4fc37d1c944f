// Leases on a real one-node Swarm, on an engine of the test's own: a config object created on the
// manager; renewals are marker configs; renew and release only by the token.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithConfig } from '../helpers/engine.js';
import {
  createService,
  dockerOn,
  inspectService,
  newSwarm,
  startOneNodeSwarm,
  stopSwarm,
  tasksOf,
  waitForService,
  type TestSwarm,
} from '../helpers/swarm.js';
import { SwarmClient, swarmHost } from '../../src/targets/swarm.js';
import { SwarmLeaseStore, swarmLeaseName } from '../../src/targets/swarm-lease.js';
import type { LeaseHolder } from '../../src/targets/lease.js';

const TCP_PORT = 55498;
let swarm: TestSwarm | undefined;
let store: SwarmLeaseStore;
/** A second runner, reaching the same manager another way (tcp). */
let other: SwarmLeaseStore;
const runA: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '101', attempt: 1 };
const runB: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '102', attempt: 2 };
const key = () => `swarm-service:web-${randomUUID()}@unix:///var/run/docker.sock`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ConfigView {
  ID: string;
  Spec: { Name: string; Labels: Record<string, string>; Data: string };
}

/** The lease's configs (lock and markers) as the Swarm lists them. */
async function configsOf(k: string): Promise<ConfigView[]> {
  const ids = await dockerOn(swarm!.manager, 'config', 'ls', '-q', '--filter', `name=${swarmLeaseName(k)}`);
  if (!ids) return [];
  return JSON.parse(await dockerOn(swarm!.manager, 'config', 'inspect', ...ids.split('\n'))) as ConfigView[];
}

beforeAll(async () => {
  swarm = newSwarm(TCP_PORT);
  await startOneNodeSwarm(swarm);
  store = new SwarmLeaseStore(new SwarmClient(swarmHost(swarm.manager.host), 5_000), 5_000);
  other = new SwarmLeaseStore(new SwarmClient(swarmHost(swarm.managerTcp), 5_000), 5_000);
}, 120_000);
afterAll(async () => {
  await stopSwarm(swarm);
}, 60_000);

describe('Swarm lease', () => {
  it('a second holder is refused and told who holds it and until when', async () => {
    const k = key();
    const a = await store.acquire(k, runA, 5_000);
    expect(a.acquired).toBe(true);
    const b = await other.acquire(k, runB, 5_000);
    expect(b).toMatchObject({ acquired: false, holder: runA });
    const expiresAt = (b as { expiresAt: number }).expiresAt;
    expect(expiresAt).toBeGreaterThan(Date.now() + 3_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    // On the Swarm: one config, named for the key, with the holder, the token and the expiry.
    const configs = await configsOf(k);
    expect(configs.map((c) => c.Spec.Name)).toEqual([swarmLeaseName(k)]);
    const labels = configs[0]!.Spec.Labels;
    expect(labels['orixoon.lease.token']).toBe((a as { token: string }).token);
    expect(JSON.parse(labels['orixoon.lease.holder']!)).toEqual(runA);
    expect(Number(labels['orixoon.lease.expires'])).toBe(expiresAt);
    expect(JSON.parse(Buffer.from(configs[0]!.Spec.Data, 'base64').toString('utf8'))).toEqual(runA);
  });

  it('expiry lets a new holder in; the old token then neither renews nor releases it', async () => {
    const k = key();
    const a = await store.acquire(k, runA, 300);
    expect(a.acquired).toBe(true);
    const first = (await configsOf(k))[0]!.ID;
    await sleep(450);
    const b = await other.acquire(k, runB, 5_000);
    expect(b.acquired).toBe(true);
    const tokenA = (a as { token: string }).token;
    expect(await store.renew(k, tokenA, 60_000)).toBe(false);
    expect(await store.release(k, tokenA)).toBe(false);
    expect(await store.acquire(k, runA, 5_000)).toMatchObject({ acquired: false, holder: runB });
    // The old config was replaced: one config, a new ID, B's token.
    const configs = await configsOf(k);
    expect(configs).toHaveLength(1);
    expect(configs[0]!.ID).not.toBe(first);
    expect(configs[0]!.Spec.Labels['orixoon.lease.token']).toBe((b as { token: string }).token);
  });

  it('release by a wrong token does nothing; by the right one frees the lease', async () => {
    const k = key();
    const a = await store.acquire(k, runA, 5_000);
    const tokenA = (a as { token: string }).token;
    expect(await other.release(k, randomUUID())).toBe(false);
    expect(await other.release(k, tokenA.slice(0, 8))).toBe(false);
    expect(await configsOf(k)).toHaveLength(1);
    expect(await other.acquire(k, runB, 5_000)).toMatchObject({ acquired: false, holder: runA });
    expect(await store.release(k, tokenA)).toBe(true);
    expect(await configsOf(k)).toHaveLength(0);
    const b = await other.acquire(k, runB, 5_000);
    expect(b.acquired).toBe(true);
    expect(await other.release(k, (b as { token: string }).token)).toBe(true);
    expect(await configsOf(k)).toHaveLength(0);
  });

  it('renew extends the expiry with one marker config, only for the holder', async () => {
    const k = key();
    const a = await store.acquire(k, runA, 600);
    const tokenA = (a as { token: string }).token;
    expect(await other.renew(k, randomUUID(), 60_000)).toBe(false);
    expect(await configsOf(k)).toHaveLength(1);
    expect(await store.renew(k, tokenA, 10_000)).toBe(true);
    expect(await store.renew(k, tokenA, 10_000)).toBe(true);
    await sleep(800);
    const refused = await other.acquire(k, runB, 5_000);
    expect(refused).toMatchObject({ acquired: false, holder: runA });
    expect((refused as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 8_000);
    // The lock and the latest marker only.
    const names = (await configsOf(k)).map((c) => c.Spec.Name).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toBe(swarmLeaseName(k));
    expect(names[1]).toMatch(new RegExp(`^${swarmLeaseName(k)}-r-[0-9a-f]{8}$`));
    expect(await store.release(k, tokenA)).toBe(true);
    expect(await configsOf(k)).toHaveLength(0);
  });

  it('a heal of a swarm service waits for the lease on the Swarm: held by another run, it is locked and the service untouched', async () => {
    const name = 'oxsl-web';
    // The only task ends (exit 0) and is not replaced: 0 of 1 running.
    await createService(swarm!, { name, script: 'exit 0', replicas: 1, restartCondition: 'none' });
    await waitForService(swarm!, name, 'its task complete', (_, t) =>
      t.some((x) => x.Status.State === 'complete'),
    );
    expect(await tasksOf(swarm!, name)).toHaveLength(1);
    // Past the check's start period (1 s from the task's end).
    await sleep(1_500);
    const before = await inspectService(swarm!, name);
    const k = `swarm-service:${name}@${swarm!.manager.host}`;
    const held = await other.acquire(k, runB, 60_000);
    expect(held.acquired).toBe(true);
    const yaml = `safety_limits: { lease_wait_seconds: 1 }
phases:
  - name: swarm
    checks:
      - { id: web, type: swarm_service, service: ${name}, host: "${swarm!.manager.host}", start_period_seconds: 1 }
`;
    const r = await runWithConfig(yaml);
    expect(r.report.findings[0]).toMatchObject({
      code: 'service_replicas_missing',
      action: 'force_update_service',
      outcome: 'locked',
    });
    expect(r.console).toContain('org/app');
    // The Swarm: the service as it was, the other run's lease still there.
    const after = await inspectService(swarm!, name);
    expect(after.Version.Index).toBe(before.Version.Index);
    expect(after.Spec.TaskTemplate.ForceUpdate ?? 0).toBe(0);
    expect((await configsOf(k)).map((c) => c.Spec.Labels['orixoon.lease.token'])).toEqual([
      (held as { token: string }).token,
    ]);
    // Freed, the next run acts and gives its own lease back.
    expect(await other.release(k, (held as { token: string }).token)).toBe(true);
    const r2 = await runWithConfig(yaml);
    // The task it restarts exits again, so the re-test still fails: what counts is that it acted.
    expect(r2.report.findings[0]).toMatchObject({ action: 'force_update_service' });
    expect(r2.report.findings[0]!.outcome).not.toBe('locked');
    expect(r2.console).toContain('Rolling restart of swarm service');
    expect((await inspectService(swarm!, name)).Spec.TaskTemplate.ForceUpdate).toBe(1);
    expect(await configsOf(k)).toHaveLength(0);
  }, 90_000);
});
