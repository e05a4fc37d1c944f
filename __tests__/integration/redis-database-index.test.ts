// The database index of a Redis URL against a real Redis server (16 databases): an index the server
// does not have, or one that is not a number, blocks with a clear message and never lets a command
// reach database 0 — a full database 0 with short-TTL keys keeps every key. A valid index works in
// that database only.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inspect, removeSuite, startRedis, type RedisFixture } from '../helpers/docker.js';
import { runWithConfig } from '../helpers/engine.js';
import { checkHarness, DATASTORE_RUN, onlyFinding, OpenRuns } from '../helpers/context.js';
import { redisCheck } from '../../src/checks/redis.js';
import type { Finding } from '../../src/core/types.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import { RedisTarget, RedisTargetError } from '../../src/targets/redis/index.js';

const SUITE = 'datastore-redis-db-index';
const PORT = 56330;
const PASSWORD = 'Db1ndex:Secret/pw';
let r: RedisFixture;
let db0: Redis;
const runs = new OpenRuns();

/** The fixture's URL with another path (database index) in place of `/0`. */
const withPath = (path: string) => r.url.replace(/\/0$/, path);

function setup(url: string, options: Record<string, unknown> = {}) {
  return runs.track(checkHarness(redisCheck, 'cache', options, { ...DATASTORE_RUN, redisUrl: url }));
}

/** Every key of database 0 with its TTL state: what must still be there afterwards. */
async function keyspace(): Promise<{ size: number; withTtl: number }> {
  let cursor = '0';
  let withTtl = 0;
  let size = 0;
  do {
    const [next, keys] = await db0.scan(cursor, 'COUNT', 1000);
    cursor = next;
    size += keys.length;
    const p = db0.pipeline();
    for (const k of keys) p.pttl(k);
    for (const [, ttl] of (await p.exec()) ?? []) if (Number(ttl) > 0) withTtl++;
  } while (cursor !== '0');
  return { size, withTtl };
}

/** Watches for promise rejections nobody handled while `fn` runs (and a moment after). */
async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await fn();
    await new Promise((res) => setTimeout(res, 300));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

beforeAll(async () => {
  await removeSuite(SUITE);
  r = await startRedis({
    name: 'oxd-redis-dbindex',
    port: PORT,
    suite: SUITE,
    password: PASSWORD,
    maxmemory: '8mb',
    policy: 'noeviction',
  });
  db0 = new Redis(r.url, { maxRetriesPerRequest: 1 });
  db0.on('error', () => undefined);
  // One key in database 5, written before the server is full.
  await db0.call('SELECT', '5');
  await db0.set('only-in-5', 'five');
  await db0.call('SELECT', '0');
  // Database 0 full of short-TTL keys until Redis refuses writes (OOM): what flush_expiring_keys
  // would empty if a command meant for another database ran here.
  const value = (i: number) => `${'v'.repeat(400)}-${i}`;
  for (let n = 0, oom = false; !oom; n += 200) {
    const p = db0.pipeline();
    for (let i = 0; i < 200; i++) p.set(`short:${n + i}`, value(n + i), 'EX', 120);
    oom = ((await p.exec()) ?? []).some(([err]) => err && /^OOM/.test(err.message));
  }
}, 120_000);

afterEach(async () => {
  await runs.closeAll();
});

afterAll(async () => {
  db0?.disconnect();
  await removeSuite(SUITE);
});

describe('Redis URL database index', () => {
  it('/99 on a 16-database server, database 0 out of memory, auto-heal on: the run blocks with "database 99 does not exist", no action, every key of database 0 kept', async () => {
    const before = await keyspace();
    expect(before.size).toBeGreaterThan(1000);
    expect(before.withTtl).toBe(before.size);
    const startedAt = (await inspect(r.name)).State.StartedAt;
    const url = withPath('/99');

    const run = await runWithConfig(
      [
        'phases:',
        '  - name: data',
        '    checks:',
        `      - { id: cache, type: redis, url: "\${REDIS_99}", container: ${r.name} }`,
      ].join('\n'),
      { env: { REDIS_99: url }, autoHeal: true },
    );

    expect(run.report.verdict).toBe('blocked');
    expect(run.report.findings).toHaveLength(1);
    const f = run.report.findings[0]!;
    expect(f.code).toBe('redis_not_responding');
    expect(f.outcome).toBe('not_healable');
    expect(f.message).toContain(`Redis 127.0.0.1:${PORT}/99: SELECT 99 failed: ERR DB index is out of range`);
    expect(f.message).toContain('database 99 does not exist on this server (it has 16: 0–15)');
    expect(run.report.actions).toEqual([]);
    expect(run.console).toContain('database 99 does not exist on this server');
    // Nothing touched: not one key of database 0 went, the server was not restarted.
    expect(await keyspace()).toEqual(before);
    expect((await inspect(r.name)).State.StartedAt).toBe(startedAt);
    for (const text of [run.console, run.reportJson, run.summary, run.log])
      expect(text).not.toContain(PASSWORD);
  });

  it('flush_expiring_keys on a /99 target refuses before any command: every key of database 0 kept', async () => {
    const before = await keyspace();
    const s = setup(withPath('/99'));
    // The finding a full Redis gives; the remedy must still never sweep another database.
    const finding: Finding = {
      code: 'redis_memory_full',
      checkId: 'cache',
      target: `127.0.0.1:${PORT}/99`,
      targetKey: 'redis:cache',
      message: 'Redis memory 100% full',
      evidence: {},
      params: { expiring_within_seconds: 300 },
    };
    const remedy = REMEDIES.get('flush_expiring_keys')!;
    await expect(remedy.run(finding, s.remedyCtx(finding))).rejects.toThrow(
      /SELECT 99 failed: ERR DB index is out of range: database 99 does not exist/,
    );
    expect(await keyspace()).toEqual(before);
  });

  it('a non-numeric index (/x, URL from the redis-url input, config validation bypassed): a blocking finding, no crash, no unhandled rejection', async () => {
    const before = await keyspace();
    let findings: Finding[] = [];
    const unhandled = await unhandledDuring(async () => {
      const s = setup(withPath('/x'), { container: r.name });
      findings = (await s.check.run(s.ctx)).findings;
    });
    expect(unhandled).toEqual([]);
    const f = onlyFinding(findings);
    expect(f.code).toBe('redis_not_responding');
    expect(f.message).toBe(
      `Redis 127.0.0.1:${PORT}/x: the database index 'x' (URL path) is not a whole number ≥ 0: ` +
        'use redis://host:port/N with N a database the server has (0 to databases − 1, 0–15 by default)',
    );
    // No restart is offered: the URL is wrong, the server is fine.
    expect(f.params).toBeUndefined();
    expect(f.manual).toMatch(/restarting Redis would not help$/);
    expect(await keyspace()).toEqual(before);
  });

  it('a non-numeric index given as the redis-url input to a whole run: a report that blocks, with the reason', async () => {
    const before = await keyspace();
    let run: Awaited<ReturnType<typeof runWithConfig>> | undefined;
    const unhandled = await unhandledDuring(async () => {
      run = await runWithConfig(
        'phases:\n  - name: data\n    checks:\n      - { id: cache, type: redis }\n',
        {
          redisUrl: withPath('/x'),
        },
      );
    });
    expect(unhandled).toEqual([]);
    expect(run!.report.verdict).toBe('blocked');
    expect(run!.report.findings[0]!.message).toContain(
      "the database index 'x' (URL path) is not a whole number",
    );
    expect(run!.summary).toContain("database index 'x'");
    expect(await keyspace()).toEqual(before);
  });

  it('a valid index works in that database only; ?db= works too; two different indexes are refused', async () => {
    const five = new RedisTarget(withPath('/5'));
    const viaQuery = new RedisTarget(`${withPath('')}?db=5`);
    const both = new RedisTarget(`${withPath('/5')}?db=6`);
    try {
      expect(five.db).toBe(5);
      expect(await five.get('only-in-5')).toBe('five');
      expect(await five.get('short:0')).toBeNull(); // a database-0 key is not visible from 5
      expect(await five.dbsize()).toBe(1);
      expect(await viaQuery.get('only-in-5')).toBe('five');
      const err = await both.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedisTargetError);
      expect((err as RedisTargetError).urlProblem).toBe(
        'the URL names two databases (path /5, ?db=6): keep one',
      );
    } finally {
      await Promise.all([five.close(), viaQuery.close(), both.close()]);
    }
  });
});
