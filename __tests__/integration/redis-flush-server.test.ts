// flush_expiring_keys without protected key patterns: each SCAN step is decided on the server in one
// script call (no key travels to Orixoon and back). Same promise as the batch-by-batch path: every key
// without a TTL or with a longer one stays with its value; a user without scripting rights still gets
// the same result through WATCH/MULTI. Asserts the real keyspace after.
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeSuite, startRedis } from '../helpers/docker.js';
import { redisCheck } from '../../src/checks/redis.js';
import type { Finding } from '../../src/core/types.js';
import { checkHarness, DATASTORE_RUN, OpenRuns } from '../helpers/context.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'datastore-redis-flush-server';
const clients: Redis[] = [];
const runs = new OpenRuns();

function setup(url: string) {
  return runs.track(
    checkHarness(
      redisCheck,
      'cache',
      {},
      { ...DATASTORE_RUN, config: {}, redisUrl: url, remedyTimeoutMs: 60_000 },
    ),
  );
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

const value = (i: number) => `${'v'.repeat(200)}-${i}`;

/** 3000 keys without a TTL, 300 with a TTL above the window, `expiring` with one inside it. */
async function fill(c: Redis, expiring: number): Promise<void> {
  const pipe = c.pipeline();
  for (let i = 0; i < 3000; i++) pipe.set(`keep:${i}`, value(i));
  for (let i = 0; i < 300; i++) pipe.set(`long:${i}`, value(i), 'EX', 3600);
  for (let i = 0; i < expiring; i++) pipe.set(`tmp:${i}`, value(i), 'EX', 120);
  await pipe.exec();
}

async function expectKeptIntact(c: Redis): Promise<void> {
  const keep = await c.mget(Array.from({ length: 3000 }, (_, i) => `keep:${i}`));
  expect(keep.every((x, i) => x === value(i))).toBe(true);
  const long = await c.mget(Array.from({ length: 300 }, (_, i) => `long:${i}`));
  expect(long.every((x, i) => x === value(i))).toBe(true);
  expect(await c.dbsize()).toBe(3300);
}

const finding = {
  code: 'redis_memory_full',
  checkId: 'cache',
  target: 't',
  targetKey: 'redis:cache',
  message: 'm',
  evidence: {},
  params: { expiring_within_seconds: 300 },
} as Finding;

afterEach(async () => {
  await runs.closeAll();
  for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('flush_expiring_keys with no protected pattern', () => {
  it('decides each SCAN step on the server, also while Redis refuses writes (OOM): only the expiring keys go', async () => {
    const r = await startRedis({
      name: 'oxd-redis-flush-server',
      port: 56316,
      suite: SUITE,
      maxmemory: '8mb',
      policy: 'noeviction',
    });
    const c = client(r.url);
    await fill(c, 0);
    // Expiring keys until Redis refuses writes.
    let tmp = 0;
    for (let oom = false; !oom;) {
      const p = c.pipeline();
      for (let i = 0; i < 200; i++) p.set(`tmp:${tmp + i}`, value(tmp + i), 'EX', 120);
      const res = (await p.exec()) ?? [];
      tmp += res.filter(([err]) => !err).length;
      oom = res.some(([err]) => err && /^OOM/.test(err.message));
    }
    const s = setup(r.url);
    const f = (await s.check.run(s.ctx)).findings[0]!;
    expect(f.code).toBe('redis_memory_full');

    const result = await REMEDIES.get('flush_expiring_keys')!.run(f, s.remedyCtx(f));
    expect(result.data).toMatchObject({
      keys_removed: tmp,
      protected_skipped: 0,
      sweep_complete: true,
      sweep_mode: 'server',
    });
    expect(Number(result.data?.keys_scanned)).toBeGreaterThanOrEqual(3300 + tmp);
    await expectKeptIntact(c);
    expect(await c.exists('tmp:0', `tmp:${tmp - 1}`)).toBe(0);
    expect(await c.set('new-key', 'x')).toBe('OK');
  });

  it('without scripting rights (ACL) falls back to WATCH/MULTI: same keys removed, the rest intact', async () => {
    const r = await startRedis({ name: 'oxd-redis-flush-acl', port: 56317, suite: SUITE });
    const c = client(r.url);
    await c.call('ACL', 'SETUSER', 'limited', 'on', '>limited-pw', '~*', '&*', '+@all', '-@scripting');
    await fill(c, 2000);
    const s = setup(`redis://limited:limited-pw@127.0.0.1:${r.port}/0`);
    const result = await REMEDIES.get('flush_expiring_keys')!.run(finding, s.remedyCtx(finding));
    expect(result.data).toMatchObject({ keys_removed: 2000, sweep_complete: true, sweep_mode: 'watch' });
    await expectKeptIntact(c);
  });
});
