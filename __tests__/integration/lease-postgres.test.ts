// Leases on a real PostgreSQL server: a session advisory lock on a dedicated session, freed when that
// session ends (a killed holder at once), or when it stops renewing (idle_session_timeout).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { PostgresTarget } from '../../src/targets/postgres/index.js';
import type { LeaseHolder } from '../../src/targets/lease.js';
import { bundleTargets, killHard, leaseInChild, sleep } from './lease-support.js';

const SUITE = 'lease-postgres';
let pgf: PostgresFixture;
let raw: pg.Client;
const targets: PostgresTarget[] = [];
const runA: LeaseHolder = { repository: 'org/app */ x /* y', workflow: 'deploy', runId: '201', attempt: 1 };
const runB: LeaseHolder = { host: 'monitor-1', pid: 4242 };
const key = () => `postgres:db-${randomUUID()}`;
const newTarget = (): PostgresTarget => {
  const t = new PostgresTarget(pgf.url);
  targets.push(t);
  return t;
};

/** Sessions holding the lease lock of `k`, as the server sees them. */
async function holders(k: string): Promise<Array<{ pid: number; app: string }>> {
  const res = await raw.query<{ pid: number; app: string }>(
    `SELECT l.pid, a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.classid = hashtext('orixoon-lease')::oid AND l.objid = hashtext($1)::oid`,
    [k],
  );
  return res.rows;
}

beforeAll(async () => {
  pgf = await startPostgres({ name: 'oxd-lease-pg', port: 55481, suite: SUITE });
  raw = new pg.Client({ connectionString: pgf.url });
  await raw.connect();
}, 90_000);
afterAll(async () => {
  await Promise.allSettled(targets.map((t) => t.close()));
  await raw?.end().catch(() => undefined);
  await removeSuite(SUITE);
});

describe('PostgreSQL lease', () => {
  it('a second holder is refused and told who holds it; the lock is on a session of its own', async () => {
    const k = key();
    const storeA = newTarget().leases();
    const a = await storeA.acquire(k, runA, 10_000);
    expect(a.acquired).toBe(true);
    const b = await newTarget().leases().acquire(k, runB, 10_000);
    expect(b).toMatchObject({ acquired: false, holder: runA });
    expect((b as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 8_000);
    const held = await holders(k);
    expect(held).toHaveLength(1);
    expect(held[0]!.app).toBe('orixoon-lease');
    await storeA.close();
  });

  it('the lock is not an application lock: a single-key advisory lock on the same hash is untouched', async () => {
    const k = key();
    const app = await raw.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [k]);
    expect(app.rows[0]!.ok).toBe(true);
    const store = newTarget().leases();
    expect((await store.acquire(k, runA, 10_000)).acquired).toBe(true);
    await raw.query('SELECT pg_advisory_unlock(hashtext($1))', [k]);
    await store.close();
  });

  it('expiry lets a new holder in: a holder that stops renewing loses its session and the lock', async () => {
    const k = key();
    const storeA = newTarget().leases();
    const a = await storeA.acquire(k, runA, 800);
    expect(a.acquired).toBe(true);
    await sleep(1_500);
    expect(await holders(k)).toHaveLength(0);
    const storeB = newTarget().leases();
    const b = await storeB.acquire(k, runB, 10_000);
    expect(b.acquired).toBe(true);
    const tokenA = (a as { token: string }).token;
    expect(await storeA.renew(k, tokenA, 10_000)).toBe(false);
    expect(await storeA.release(k, tokenA)).toBe(false);
    expect(await newTarget().leases().acquire(k, runA, 10_000)).toMatchObject({
      acquired: false,
      holder: runB,
    });
    await storeB.close();
  });

  it('renew keeps the session (and the lock) past the first TTL', async () => {
    const k = key();
    const store = newTarget().leases();
    const a = await store.acquire(k, runA, 800);
    const token = (a as { token: string }).token;
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      expect(await store.renew(k, token, 800)).toBe(true);
    }
    expect(await holders(k)).toHaveLength(1);
    expect(await store.renew(k, randomUUID(), 800)).toBe(false);
    await store.close();
  });

  it('release by a wrong token does nothing; by the right one frees the lock', async () => {
    const k = key();
    const storeA = newTarget().leases();
    const a = await storeA.acquire(k, runA, 10_000);
    const tokenA = (a as { token: string }).token;
    expect(await storeA.release(k, randomUUID())).toBe(false);
    expect(await newTarget().leases().release(k, tokenA)).toBe(false);
    expect(await holders(k)).toHaveLength(1);
    expect(await newTarget().leases().acquire(k, runB, 10_000)).toMatchObject({
      acquired: false,
      holder: runA,
    });
    expect(await storeA.release(k, tokenA)).toBe(true);
    expect(await holders(k)).toHaveLength(0);
    const storeB = newTarget().leases();
    expect((await storeB.acquire(k, runB, 10_000)).acquired).toBe(true);
    await storeB.close();
  });

  it('a holder killed with SIGKILL frees the lock at once, long before its TTL', async () => {
    const bundle = await bundleTargets();
    try {
      const k = key();
      const held = await leaseInChild({
        bundle: bundle.url,
        system: 'postgres',
        key: k,
        ttlMs: 60_000,
        url: pgf.url,
      });
      expect(held.answer.acquired).toBe(true);
      const pid = held.child.pid!;
      expect(await newTarget().leases().acquire(k, runB, 10_000)).toMatchObject({
        acquired: false,
        holder: { host: 'lease-child', pid },
      });
      await killHard(held.child);
      const killedAt = Date.now();
      const store = newTarget().leases();
      let acquiredAt = 0;
      while (Date.now() - killedAt < 10_000) {
        if ((await store.acquire(k, runB, 10_000)).acquired) {
          acquiredAt = Date.now();
          break;
        }
        await sleep(25);
      }
      expect(acquiredAt).toBeGreaterThan(0);
      expect(acquiredAt - killedAt).toBeLessThan(2_000);
      expect(await holders(k)).toHaveLength(1);
      await store.close();
    } finally {
      bundle.remove();
    }
  }, 30_000);
});
