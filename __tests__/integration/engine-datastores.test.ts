// The engine with real PostgreSQL and Redis: the database-operation limit across findings, and
// passwords that never reach any output.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  removeSuite,
  startPostgres,
  startRedis,
  type PostgresFixture,
  type RedisFixture,
} from '../helpers/docker.js';
import { runWithConfig } from '../helpers/engine.js';

const SUITE = 'engine-ds';
const PG_PASSWORD = 'Pg/S3cr:et@pw';
const REDIS_PASSWORD = 'redis-S3cret-Pw';
let db: PostgresFixture;
let cache: RedisFixture;
const clients: pg.Client[] = [];

async function session(url: string, sql?: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'engine-ds-test' });
  c.on('error', () => undefined); // sessions Orixoon terminates
  await c.connect();
  if (sql) await c.query(sql);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  await removeSuite(SUITE);
  [db, cache] = await Promise.all([
    startPostgres({
      name: 'oxe-ds-pg',
      port: 55610,
      suite: SUITE,
      maxConnections: 20,
      password: PG_PASSWORD,
    }),
    startRedis({
      name: 'oxe-ds-redis',
      port: 56510,
      suite: SUITE,
      password: REDIS_PASSWORD,
      maxmemory: '8mb',
    }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  await removeSuite(SUITE);
});

describe('engine with real data stores', () => {
  test('with max_database_operations_per_session 1, the second PostgreSQL finding is limit_reached', async () => {
    await session(
      db.url,
      'CREATE TABLE IF NOT EXISTS t (id int primary key, v text); INSERT INTO t VALUES (1, $$a$$) ON CONFLICT DO NOTHING',
    );
    // 12 idle sessions fill the pool past 50 %; one more sits idle in a transaction.
    for (let i = 0; i < 12; i++) await session(db.url, 'SELECT 1');
    const stuck = await session(db.url, 'BEGIN; UPDATE t SET v = $$b$$ WHERE id = 1');
    await new Promise((r) => setTimeout(r, 1500)); // older than the 0.01-minute thresholds below
    const r = await runWithConfig(
      [
        'targets: { postgres: { url: "${DATABASE_URL}" } }',
        'safety_limits: { max_database_operations_per_session: 1 }',
        'phases:',
        '  - name: data',
        '    checks:',
        '      - { id: db, type: postgres, pool_threshold_percent: 50, idle_minutes: 0.01, idle_transaction_minutes: 0.01 }',
      ].join('\n'),
      { env: { DATABASE_URL: db.url } },
    );
    expect(r.report.findings.map((f) => f.code).sort()).toEqual([
      'db_pool_exhausted',
      'db_stuck_transactions',
    ]);
    expect(r.report.findings.filter((f) => f.outcome === 'healed')).toHaveLength(1);
    const limited = r.report.findings.filter((f) => f.outcome === 'limit_reached');
    expect(limited).toHaveLength(1);
    expect(limited[0]!.reason).toMatch(/max_database_operations_per_session = 1/);
    expect(r.report.actions).toHaveLength(1);
    expect(r.report.verdict).toBe('blocked');
    // The finding left alone really is left alone: its session (whichever kind) was not signalled
    // by a second action. Exactly one remedy ran, so either the idle-in-transaction session is still
    // there (pool healed) or the idle sessions are (stuck transaction healed).
    const probe = await session(db.url);
    const { rows } = await probe.query<{ idle_tx: number; idle: number }>(
      "SELECT count(*) FILTER (WHERE state = 'idle in transaction')::int AS idle_tx, count(*) FILTER (WHERE state = 'idle')::int AS idle FROM pg_stat_activity WHERE application_name = 'engine-ds-test'",
    );
    const healed = r.report.findings.find((f) => f.outcome === 'healed')!;
    if (healed.code === 'db_pool_exhausted') expect(rows[0]!.idle_tx).toBe(1);
    else expect(rows[0]!.idle).toBeGreaterThanOrEqual(12);
    await stuck.query('ROLLBACK').catch(() => undefined);
  });

  test('passwords in DATABASE_URL and REDIS_URL never appear in the console, the log, report.json or the summary', async () => {
    const unreachablePg = `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:1/postgres`;
    const r = await runWithConfig(
      [
        'targets:',
        '  postgres: { url: "${DATABASE_URL}" }',
        '  redis: { url: "${REDIS_URL}" }',
        'phases:',
        '  - name: data',
        '    checks:',
        '      - { id: db, type: postgres }',
        '      - { id: cache, type: redis }',
        '      - { id: down, type: postgres, url: "${DOWN_URL}" }',
        '      - { id: q, type: queue, table: missing_table }',
      ].join('\n'),
      { env: { DATABASE_URL: db.url, REDIS_URL: cache.url, DOWN_URL: unreachablePg } },
    );
    expect(r.report.findings.some((f) => f.checkId === 'down')).toBe(true);
    for (const [name, text] of Object.entries({
      console: r.console,
      log: r.log,
      report: r.reportJson,
      summary: r.summary,
    })) {
      for (const secret of [PG_PASSWORD, encodeURIComponent(PG_PASSWORD), REDIS_PASSWORD]) {
        expect(text.includes(secret), `${secret} in ${name}`).toBe(false);
      }
    }
    // The targets are still named, so a reader can act.
    expect(r.console).toContain('127.0.0.1:1');
  });
});

test('a Redis that never answers: blocked within the deadline, with a clear message', async () => {
  const { createServer } = await import('node:net');
  const server = createServer(() => undefined); // accepts, never replies
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const t0 = Date.now();
    const r = await runWithConfig(
      `phases:\n  - name: data\n    checks:\n      - { id: cache, type: redis, url: "redis://:${REDIS_PASSWORD}@127.0.0.1:${port}/0" }\n`,
      { timeoutSeconds: 30 },
    );
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.report.verdict).toBe('blocked');
    const f = r.report.findings[0]!;
    expect(f.code).toBe('redis_not_responding');
    expect(f.outcome).toBe('not_healable'); // no container configured: a person must act
    expect(f.message).toContain(`127.0.0.1:${port}`);
    expect(r.console + r.reportJson).not.toContain(REDIS_PASSWORD);
  } finally {
    server.close();
  }
});
