// Leases on a real Redis server: SET NX PX with a token; renew and release only by the token.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { removeSuite, startRedis, type RedisFixture } from '../helpers/docker.js';
import { RedisTarget, redisLeaseKey } from '../../src/targets/redis/index.js';
import type { LeaseHolder } from '../../src/targets/lease.js';
import { HeldLease } from '../../src/healing/lease.js';
import { bundleTargets, killHard, leaseInChild, sleep } from './lease-support.js';

const SUITE = 'lease-redis';
let r: RedisFixture;
let raw: Redis;
let target: RedisTarget;
const runA: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '101', attempt: 1 };
const runB: LeaseHolder = { repository: 'org/app', workflow: 'deploy', runId: '102', attempt: 2 };
const key = () => `container:app-${randomUUID()}`;

beforeAll(async () => {
  r = await startRedis({ name: 'oxd-lease-redis', port: 56381, suite: SUITE });
  raw = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await raw.connect();
  target = new RedisTarget(r.url);
}, 60_000);
afterAll(async () => {
  await target?.close();
  raw?.disconnect();
  await removeSuite(SUITE);
});

describe('Redis lease', () => {
  it('a second holder is refused and told who holds it and until when', async () => {
    const k = key();
    const a = await target.leases().acquire(k, runA, 5_000);
    expect(a.acquired).toBe(true);
    const b = await new RedisTarget(r.url).leases().acquire(k, runB, 5_000);
    expect(b).toMatchObject({ acquired: false, holder: runA });
    const expiresAt = (b as { expiresAt: number }).expiresAt;
    expect(expiresAt).toBeGreaterThan(Date.now() + 3_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    // On the server: one key, the token first, with a TTL.
    const value = await raw.get(redisLeaseKey(k));
    expect(value?.startsWith(`${(a as { token: string }).token}\n`)).toBe(true);
    expect(await raw.pttl(redisLeaseKey(k))).toBeGreaterThan(3_000);
  });

  it('expiry lets a new holder in; the old token then neither renews nor releases it', async () => {
    const k = key();
    const a = await target.leases().acquire(k, runA, 300);
    expect(a.acquired).toBe(true);
    await sleep(450);
    const b = await target.leases().acquire(k, runB, 5_000);
    expect(b.acquired).toBe(true);
    const tokenA = (a as { token: string }).token;
    expect(await target.leases().renew(k, tokenA, 60_000)).toBe(false);
    expect(await target.leases().release(k, tokenA)).toBe(false);
    const c = await target.leases().acquire(k, runA, 5_000);
    expect(c).toMatchObject({ acquired: false, holder: runB });
    expect(await raw.pttl(redisLeaseKey(k))).toBeLessThanOrEqual(5_000);
  });

  it('release by a wrong token does nothing; by the right one frees the lease', async () => {
    const k = key();
    const a = await target.leases().acquire(k, runA, 5_000);
    const tokenA = (a as { token: string }).token;
    expect(await target.leases().release(k, randomUUID())).toBe(false);
    expect(await target.leases().release(k, tokenA.slice(0, 8))).toBe(false);
    expect(await raw.exists(redisLeaseKey(k))).toBe(1);
    expect(await target.leases().acquire(k, runB, 5_000)).toMatchObject({ acquired: false, holder: runA });
    expect(await target.leases().release(k, tokenA)).toBe(true);
    expect(await raw.exists(redisLeaseKey(k))).toBe(0);
    expect((await target.leases().acquire(k, runB, 5_000)).acquired).toBe(true);
  });

  it('renew extends the expiry, only for the holder', async () => {
    const k = key();
    const a = await target.leases().acquire(k, runA, 500);
    const tokenA = (a as { token: string }).token;
    expect(await target.leases().renew(k, randomUUID(), 60_000)).toBe(false);
    expect(await raw.pttl(redisLeaseKey(k))).toBeLessThanOrEqual(500);
    expect(await target.leases().renew(k, tokenA, 10_000)).toBe(true);
    await sleep(700);
    expect(await target.leases().acquire(k, runB, 5_000)).toMatchObject({ acquired: false, holder: runA });
    expect(await raw.pttl(redisLeaseKey(k))).toBeGreaterThan(8_000);
  });

  it('a holder killed with SIGKILL frees the lease at its expiry, not before', async () => {
    const bundle = await bundleTargets();
    try {
      const k = key();
      const before = Date.now();
      const held = await leaseInChild({
        bundle: bundle.url,
        system: 'redis',
        key: k,
        ttlMs: 1_500,
        url: r.url,
      });
      expect(held.answer.acquired).toBe(true);
      const pid = held.child.pid!;
      await killHard(held.child);
      const killedAt = Date.now();
      const refused = await target.leases().acquire(k, runB, 5_000);
      expect(refused).toMatchObject({ acquired: false, holder: { host: 'lease-child', pid } });
      let acquiredAt = 0;
      while (Date.now() - killedAt < 5_000) {
        if ((await target.leases().acquire(k, runB, 5_000)).acquired) {
          acquiredAt = Date.now();
          break;
        }
        await sleep(50);
      }
      expect(acquiredAt).toBeGreaterThan(0);
      expect(acquiredAt - killedAt).toBeLessThan(2_000);
      // Not before the child's TTL ran out: it took the lease after `before`.
      expect(acquiredAt - before).toBeGreaterThanOrEqual(1_450);
      const value = await raw.get(redisLeaseKey(k));
      expect(value).toContain('"runId":"102"');
    } finally {
      bundle.remove();
    }
  }, 30_000);

  it('a held lease is renewed: refused to others for 4 s on a 1.5 s ttl, free after release', async () => {
    const k = key();
    const a = await target.leases().acquire(k, runA, 1_500);
    expect(a.acquired).toBe(true);
    const problems: string[] = [];
    const held = new HeldLease(target.leases(), k, (a as { token: string }).token, 1_500, (m) =>
      problems.push(m),
    );
    const other = new RedisTarget(r.url);
    try {
      const start = Date.now();
      let checks = 0;
      while (Date.now() - start < 4_000) {
        expect(await other.leases().acquire(k, runB, 5_000)).toMatchObject({ acquired: false, holder: runA });
        checks++;
        await sleep(100);
      }
      expect(checks).toBeGreaterThan(20);
      expect(await raw.pttl(redisLeaseKey(k))).toBeGreaterThan(0);
      await held.release((m) => problems.push(m));
      expect(problems).toEqual([]);
      expect(held.lost).toBe(false);
      expect(await raw.exists(redisLeaseKey(k))).toBe(0);
      const b = await other.leases().acquire(k, runB, 5_000);
      expect(b.acquired).toBe(true);
      expect(await raw.get(redisLeaseKey(k))).toContain('"runId":"102"');
    } finally {
      await held.release(() => undefined);
      await other.close();
    }
  }, 20_000);
});
