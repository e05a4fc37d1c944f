// Redis memory findings and their remedies against real Redis servers in containers: a full Redis
// (noeviction, OOM) gets its expiring keys removed — never a key without a TTL, never a protected
// key — and a Redis full of already-expired keys gets them swept. Asserts the real keyspace after.
import { Redis } from 'ioredis';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeSuite, startRedis, type RedisFixture } from '../helpers/docker.js';
import { redisCheck } from '../../src/checks/redis.js';
import type { Finding } from '../../src/core/types.js';
import { checkHarness, DATASTORE_RUN, OpenRuns } from '../helpers/context.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'datastore-redis-memory';
const PASSWORD = 'r3dis:Pa55/word';
const clients: Redis[] = [];
const runs = new OpenRuns();

function setup(url: string, config: Record<string, unknown>, options: Record<string, unknown>) {
  return runs.track(
    checkHarness(redisCheck, 'cache', options, {
      ...DATASTORE_RUN,
      config,
      redisUrl: url,
      remedyTimeoutMs: 60_000,
    }),
  );
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

async function memoryPercent(c: Redis): Promise<number> {
  const info = await c.info('memory');
  const get = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return ((get('used_memory') - get('mem_not_counted_for_evict')) / get('maxmemory')) * 100;
}

afterEach(async () => {
  await runs.closeAll();
  for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('redis memory', () => {
  it('redis_memory_full (OOM, noeviction) → flush_expiring_keys: keys without TTL and protected keys kept, memory below the threshold', async () => {
    const r: RedisFixture = await startRedis({
      name: 'oxd-redis-full',
      port: 56310,
      suite: SUITE,
      maxmemory: '8mb',
      policy: 'noeviction',
      password: PASSWORD,
    });
    const c = client(r.url);
    const value = (i: number) => `${'v'.repeat(400)}-${i}`;
    const pipe = c.pipeline();
    for (let i = 0; i < 1500; i++) pipe.set(`keep:${i}`, value(i));
    for (let i = 0; i < 300; i++) pipe.set(`session:${i}`, value(i), 'EX', 120); // protected, short TTL
    for (let i = 0; i < 300; i++) pipe.set(`long:${i}`, value(i), 'EX', 3600); // TTL above the window
    await pipe.exec();
    // Short-TTL keys until Redis refuses writes.
    let tmp = 0;
    for (let oom = false; !oom;) {
      const p = c.pipeline();
      for (let i = 0; i < 200; i++) p.set(`tmp:${tmp + i}`, value(tmp + i), 'EX', 120);
      const res = (await p.exec()) ?? [];
      tmp += res.filter(([err]) => !err).length;
      oom = res.some(([err]) => err && /^OOM/.test(err.message));
    }

    const s = setup(r.url, { protected: { redis_key_patterns: ['session:*'] } }, {});
    const run = await s.check.run(s.ctx);
    expect(run.findings).toHaveLength(1);
    const f = run.findings[0];
    expect(f).toMatchObject({
      code: 'redis_memory_full',
      target: '127.0.0.1:56310/0',
      targetKey: 'redis:cache',
    });
    expect(f.evidence).toMatchObject({ maxmemory: 8 * 1024 * 1024, maxmemory_policy: 'noeviction' });
    expect(f.evidence.oom_rejecting_writes === true || Number(f.evidence.memory_percent) >= 95).toBe(true);
    expect(f.message).toMatch(/^Redis (out of memory: writes rejected \(OOM\)|memory \d+% full)/);
    expect(f.recommendation).toMatch(/maxmemory-policy volatile-lru/);

    const remedy = REMEDIES.get('flush_expiring_keys')!;
    expect(remedy.describe(f)).toBe('Removing keys that expire within 300s (keys without a TTL are kept)...');
    const result = await remedy.run(f, s.remedyCtx(f));
    expect(result.data).toMatchObject({
      keys_removed: tmp,
      protected_skipped: 300,
      sweep_complete: true,
      sweep_mode: 'script',
    });
    expect(result.details).toMatch(
      new RegExp(`^Removed ${tmp.toLocaleString('en-US')} keys expiring within 300s; memory now at \\d+%`),
    );
    expect(result.recommendations?.[0]).toMatch(/noeviction/);
    const v = await s.check.verify!(f, s.ctx, 5_000);
    expect(v.ok).toBe(true);

    // Real keyspace: every key without a TTL and every protected key is there with its value.
    const keep = await c.mget(Array.from({ length: 1500 }, (_, i) => `keep:${i}`));
    expect(keep.every((x, i) => x === value(i))).toBe(true);
    const sessions = await c.mget(Array.from({ length: 300 }, (_, i) => `session:${i}`));
    expect(sessions.every((x, i) => x === value(i))).toBe(true);
    const long = await c.mget(Array.from({ length: 300 }, (_, i) => `long:${i}`));
    expect(long.every((x, i) => x === value(i))).toBe(true);
    expect(await c.exists(`tmp:0`, `tmp:${tmp - 1}`)).toBe(0);
    expect(await c.dbsize()).toBe(2100);
    expect(await memoryPercent(c)).toBeLessThan(95);
    expect(await c.set('new-key', 'x')).toBe('OK');

    // The password never shows up in anything produced.
    const text = JSON.stringify({ run, result, v, describe: remedy.describe(f) });
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), r.url]) expect(text).not.toContain(secret);
  });

  it('flush_expiring_keys without scripting rights (ACL): WATCH/MULTI path, same result', async () => {
    const r = await startRedis({ name: 'oxd-redis-acl', port: 56314, suite: SUITE });
    const c = client(r.url);
    await c.call('ACL', 'SETUSER', 'limited', 'on', '>limited-pw', '~*', '&*', '+@all', '-@scripting');
    const pipe = c.pipeline();
    for (let i = 0; i < 3000; i++) pipe.set(`keep:${i}`, `v${i}`);
    for (let i = 0; i < 3000; i++) pipe.set(`tmp:${i}`, `v${i}`, 'EX', 100);
    for (let i = 0; i < 500; i++) pipe.set(`cache:${i}`, `v${i}`, 'EX', 100);
    await pipe.exec();
    const s = setup(
      `redis://limited:limited-pw@127.0.0.1:${r.port}/0`,
      { protected: { redis_key_patterns: ['cache:*'] } },
      {},
    );
    const f = {
      code: 'redis_memory_full',
      checkId: 'cache',
      target: 't',
      targetKey: 'redis:cache',
      message: 'm',
      evidence: {},
      params: { expiring_within_seconds: 300 },
    } as Finding;
    const result = await REMEDIES.get('flush_expiring_keys')!.run(f, s.remedyCtx(f));
    expect(result.data).toMatchObject({ keys_removed: 3000, protected_skipped: 500, sweep_mode: 'watch' });
    expect(await c.dbsize()).toBe(3500);
    expect(await c.exists(...Array.from({ length: 3000 }, (_, i) => `keep:${i}`))).toBe(3000);
  });

  it('redis_high_memory → clear_expired_keys: a plain SCAN sweep drops the expired keys, the rest stays', async () => {
    const r = await startRedis({
      name: 'oxd-redis-high',
      port: 56312,
      suite: SUITE,
      maxmemory: '16mb',
      policy: 'volatile-lru',
      extraArgs: ['--enable-debug-command', 'yes'],
    });
    const c = client(r.url);
    // Without active expiry, expired keys stay in memory until something visits them.
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    const pipe = c.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`keep:${i}`, `value-${i}`);
    for (let i = 0; i < 100; i++) pipe.set(`later:${i}`, `value-${i}`, 'EX', 3600);
    await pipe.exec();
    let gone = 0;
    while ((await memoryPercent(c)) < 75) {
      const p = c.pipeline();
      for (let i = 0; i < 1000; i++) p.set(`gone:${gone + i}`, 'g'.repeat(300), 'PX', 300);
      await p.exec();
      gone += 1000;
    }
    await new Promise((res) => setTimeout(res, 400)); // every gone:* key has expired (not yet reclaimed)
    const s = setup(r.url, { healing_actions: { redis_high_memory: { high_memory_percent: 60 } } }, {});
    const run = await s.check.run(s.ctx);
    expect(run.findings.map((f) => f.code)).toEqual(['redis_high_memory']);
    const f = run.findings[0];
    expect(f.evidence.threshold_percent).toBe(60);
    expect(f.recommendation).toBeUndefined(); // volatile-lru already evicts

    const result = await REMEDIES.get('clear_expired_keys')!.run(f, s.remedyCtx(f));
    expect(result.data?.keys_removed).toBe(gone);
    expect(Number(result.data?.memory_percent_after)).toBeLessThan(60);
    expect((await s.check.verify!(f, s.ctx, 5_000)).ok).toBe(true);
    expect(await c.dbsize()).toBe(1100);
    const keep = await c.mget(Array.from({ length: 1000 }, (_, i) => `keep:${i}`));
    expect(keep.every((x, i) => x === `value-${i}`)).toBe(true);
  });

  it('no memory findings when maxmemory is 0; both sweeps refuse to run on a replica', async () => {
    const r = await startRedis({ name: 'oxd-redis-nolimit', port: 56313, suite: SUITE });
    const s = setup(r.url, {}, { high_memory_percent: 1, memory_full_percent: 1 });
    const run = await s.check.run(s.ctx);
    expect(run.findings).toEqual([]);
    expect(run.summary).toMatch(/^responding, no maxmemory limit/);

    const master = client(r.url);
    await master.set('on-master', '1', 'EX', 100);
    const replica = await startRedis({
      name: 'oxd-redis-replica',
      port: 56315,
      suite: SUITE,
      extraArgs: ['--replicaof', '127.0.0.1', String(r.port)],
    });
    const rs = setup(replica.url, {}, {});
    const f = {
      code: 'redis_high_memory',
      checkId: 'cache',
      target: 't',
      targetKey: 'redis:cache',
      message: 'm',
      evidence: {},
    } as Finding;
    for (const action of ['clear_expired_keys', 'flush_expiring_keys']) {
      const err = await REMEDIES.get(action)!
        .run(f, rs.remedyCtx(f))
        .catch((e: Error) => e);
      expect(err, action).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^Refusing .* it is a replica/);
    }
    expect(await master.exists('on-master')).toBe(1);
  });

  it('the Redis code never uses KEYS, FLUSHALL or FLUSHDB', () => {
    const files = [
      ...readdirSync('src/targets/redis').map((f) => join('src/targets/redis', f)),
      'src/checks/redis.ts',
      'src/healing/remedies/redis.ts',
      ...readdirSync('src/healing/remedies').map((f) => join('src/healing/remedies', f)),
    ];
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\.(keys|flushall|flushdb|keysBuffer)\s*\(/i);
      expect(code, file).not.toMatch(/['"`](keys|flushall|flushdb)['"`]/i);
    }
  });
});
