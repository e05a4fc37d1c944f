// Leases on the real Docker engine: a never-started container named for the lease, created atomically;
// renewals as marker containers; an expired lease taken over by removing the old one by id.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerOk, ensureFixtureImage, FIXTURE_IMAGE } from '../helpers/docker.js';
import { DockerTarget, dockerLeaseName } from '../../src/targets/docker/index.js';
import type { LeaseHolder } from '../../src/targets/lease.js';
import { bundleTargets, killHard, leaseInChild, sleep } from './lease-support.js';

const target = new DockerTarget({ timeoutMs: 10_000 }, 'app');
const other = new DockerTarget({ timeoutMs: 10_000 }, 'app');
const runA: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '301', attempt: 1 };
const runB: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '302', attempt: 1 };
const used: string[] = [];
const key = (): string => {
  const k = `container:app-${randomUUID()}`;
  used.push(k);
  return k;
};

/** The lease's containers (the lock and its markers): name, state and labels. */
async function objects(
  k: string,
): Promise<Array<{ name: string; state: string; labels: Record<string, string> }>> {
  const ids = (await docker('ps', '-aq', '--filter', `name=${dockerLeaseName(k)}`))
    .split('\n')
    .filter(Boolean);
  const out = [];
  for (const id of ids) {
    const info = JSON.parse(await docker('inspect', id)) as Array<{
      Name: string;
      State: { Status: string };
      Config: { Labels: Record<string, string> };
    }>;
    out.push({ name: info[0]!.Name.slice(1), state: info[0]!.State.Status, labels: info[0]!.Config.Labels });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

beforeAll(async () => {
  await ensureFixtureImage();
}, 60_000);
afterAll(async () => {
  await target.close();
  await other.close();
  for (const k of used) {
    const ids = (await docker('ps', '-aq', '--filter', `name=${dockerLeaseName(k)}`))
      .split('\n')
      .filter(Boolean);
    if (ids.length) await dockerOk('rm', '-f', '-v', ...ids);
  }
});

describe('Docker lease', () => {
  it('a second holder is refused and told who holds it; the lease is one never-started container', async () => {
    const k = key();
    const a = await target.leases(FIXTURE_IMAGE).acquire(k, runA, 10_000);
    expect(a.acquired).toBe(true);
    const b = await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000);
    expect(b).toMatchObject({ acquired: false, holder: runA });
    expect((b as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 8_000);
    const objs = await objects(k);
    expect(objs).toHaveLength(1);
    expect(objs[0]).toMatchObject({ name: dockerLeaseName(k), state: 'created' });
    expect(objs[0]!.labels['orixoon.lease.key']).toBe(k);
    expect(objs[0]!.labels['orixoon.lease.token']).toBe((a as { token: string }).token);
    expect(JSON.parse(objs[0]!.labels['orixoon.lease.holder']!)).toEqual(runA);
  });

  it('holders at once: exactly one gets it, the others are told who', async () => {
    // Docker takes the name before the new container shows in its list: the losers must wait for it.
    for (let round = 0; round < 5; round++) {
      const k = key();
      const racers = [runA, runB, runA, runB, runA, runB];
      const answers = await Promise.all(
        racers.map((h, i) => (i % 2 ? other : target).leases(FIXTURE_IMAGE).acquire(k, h, 10_000)),
      );
      const winners = answers.filter((a) => a.acquired);
      expect(winners).toHaveLength(1);
      const objs = await objects(k);
      expect(objs).toHaveLength(1);
      const holder = JSON.parse(objs[0]!.labels['orixoon.lease.holder']!) as LeaseHolder;
      for (const a of answers) if (!a.acquired) expect(a.holder).toEqual(holder);
    }
  }, 60_000);

  it('expiry lets a new holder in (the old container replaced); the old token neither renews nor releases', async () => {
    const k = key();
    const a = await target.leases(FIXTURE_IMAGE).acquire(k, runA, 600);
    expect(a.acquired).toBe(true);
    await sleep(800);
    const b = await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000);
    expect(b.acquired).toBe(true);
    const tokenA = (a as { token: string }).token;
    expect(await target.leases(FIXTURE_IMAGE).renew(k, tokenA, 60_000)).toBe(false);
    expect(await target.leases(FIXTURE_IMAGE).release(k, tokenA)).toBe(false);
    const objs = await objects(k);
    expect(objs).toHaveLength(1);
    expect(objs[0]!.labels['orixoon.lease.token']).toBe((b as { token: string }).token);
    expect(await target.leases(FIXTURE_IMAGE).acquire(k, runA, 10_000)).toMatchObject({
      acquired: false,
      holder: runB,
    });
  });

  it('renew extends the expiry with a marker, only for the holder', async () => {
    const k = key();
    const a = await target.leases(FIXTURE_IMAGE).acquire(k, runA, 800);
    const tokenA = (a as { token: string }).token;
    expect(await other.leases(FIXTURE_IMAGE).renew(k, randomUUID(), 60_000)).toBe(false);
    expect(await target.leases(FIXTURE_IMAGE).renew(k, tokenA, 5_000)).toBe(true);
    expect(await target.leases(FIXTURE_IMAGE).renew(k, tokenA, 10_000)).toBe(true);
    await sleep(1_000);
    const b = await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000);
    expect(b).toMatchObject({ acquired: false, holder: runA });
    expect((b as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 7_000);
    // The lock and the newest marker only.
    expect((await objects(k)).map((o) => o.name === dockerLeaseName(k))).toEqual([true, false]);
    expect(await target.leases(FIXTURE_IMAGE).release(k, tokenA)).toBe(true);
    expect(await objects(k)).toHaveLength(0);
  });

  it('release by a wrong token does nothing; by the right one frees the lease', async () => {
    const k = key();
    const a = await target.leases(FIXTURE_IMAGE).acquire(k, runA, 10_000);
    const tokenA = (a as { token: string }).token;
    expect(await other.leases(FIXTURE_IMAGE).release(k, randomUUID())).toBe(false);
    expect(await objects(k)).toHaveLength(1);
    expect(await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000)).toMatchObject({
      acquired: false,
      holder: runA,
    });
    expect(await target.leases(FIXTURE_IMAGE).release(k, tokenA)).toBe(true);
    expect(await objects(k)).toHaveLength(0);
    expect((await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000)).acquired).toBe(true);
  });

  it('a holder killed with SIGKILL frees the lease at its expiry, not before', async () => {
    const bundle = await bundleTargets();
    try {
      const k = key();
      const before = Date.now();
      const held = await leaseInChild({
        bundle: bundle.url,
        system: 'docker',
        key: k,
        ttlMs: 2_000,
        image: FIXTURE_IMAGE,
      });
      expect(held.answer.acquired).toBe(true);
      const pid = held.child.pid!;
      await killHard(held.child);
      const killedAt = Date.now();
      expect(await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000)).toMatchObject({
        acquired: false,
        holder: { host: 'lease-child', pid },
      });
      let acquiredAt = 0;
      while (Date.now() - killedAt < 8_000) {
        if ((await other.leases(FIXTURE_IMAGE).acquire(k, runB, 10_000)).acquired) {
          acquiredAt = Date.now();
          break;
        }
        await sleep(100);
      }
      expect(acquiredAt).toBeGreaterThan(0);
      expect(acquiredAt - before).toBeGreaterThanOrEqual(1_950);
      expect(acquiredAt - killedAt).toBeLessThan(3_000);
      const objs = await objects(k);
      expect(objs).toHaveLength(1);
      expect(JSON.parse(objs[0]!.labels['orixoon.lease.holder']!)).toEqual(runB);
    } finally {
      bundle.remove();
    }
  }, 30_000);

  // The lease's image is looked up on the container acted on. While the run holding the lease recreates
  // that container, its name is gone for a moment: a second run's lookup then finds nothing (404). The
  // lease must still refuse it (and so make it wait), not fail as "could not be taken".
  it('while the container acted on is missing, a held lease still refuses; a free one looks again, then fails', async () => {
    const k = key();
    const a = await target.leases(FIXTURE_IMAGE).acquire(k, runA, 10_000);
    if (!a.acquired) throw new Error('the first holder did not get the lease');
    const missing = `oxl-gone-${randomUUID().slice(0, 8)}`;
    let lookups = 0;
    const lookup = async (): Promise<string> => {
      lookups++;
      return (await other.inspect(missing)).Image;
    };
    expect(await other.leases(lookup).acquire(k, runB, 10_000)).toMatchObject({
      acquired: false,
      holder: runA,
    });
    expect(lookups).toBe(1);

    // Nobody holds it any more: after the lease is read, the lookup is tried again (at once, then after
    // 100, 200 and 400 ms: a recreate may be finishing), then its 404 is the answer; no lease object made.
    expect(await target.leases(FIXTURE_IMAGE).release(k, a.token)).toBe(true);
    lookups = 0;
    await expect(other.leases(lookup).acquire(k, runB, 10_000)).rejects.toMatchObject({ statusCode: 404 });
    expect(lookups).toBe(5);
    expect(await objects(k)).toEqual([]);
  });

  it('a container back under its name (its recreate finished) is found by the lookup tried again', async () => {
    const k = key();
    const name = `oxl-back-${randomUUID().slice(0, 8)}`;
    let lookups = 0;
    const lookup = async (): Promise<string> => {
      lookups++;
      try {
        return (await other.inspect(name)).Image;
      } catch (e) {
        // The first lookup misses; the container is made before that miss is answered.
        if (lookups === 1) await docker('create', '--name', name, FIXTURE_IMAGE, '/bin/true');
        throw e;
      }
    };
    try {
      const got = await other.leases(lookup).acquire(k, runB, 10_000);
      expect(got.acquired).toBe(true);
      expect(lookups).toBe(2);
      const image = (await other.inspect(name)).Image;
      const lock = JSON.parse(await docker('inspect', dockerLeaseName(k))) as Array<{ Image: string }>;
      expect(lock[0]!.Image).toBe(image);
    } finally {
      await dockerOk('rm', '-f', name);
    }
  });
});
