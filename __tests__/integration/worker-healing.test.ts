// The worker check against real containers, a real Redis and a real PostgreSQL: a stopped worker is
// restarted, a scheduler whose heartbeat loop died is restarted and beats again, and a worker that
// stopped processing its queue is restarted and processes rows again.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  docker,
  inspect,
  removeSuite,
  runContainer,
  startPostgres,
  startRedis,
  waitFor,
  type PostgresFixture,
  type RedisFixture,
} from '../helpers/docker.js';
import { workerCheck, parseHeartbeat } from '../../src/checks/worker.js';
import { checkOf, onlyFinding, OpenRuns, remedy, remedyContext, type TestRun } from '../helpers/context.js';
import { SUITE, tempDir, until } from './workers-support.js';

const REDIS_PORT = 56401;
const PG_PORT = 55502;
let redisFx: RedisFixture;
let db: PostgresFixture;
let redis: Redis;
let admin: pg.Client;
const runs = new OpenRuns();

function context(): TestRun {
  return runs.open({ redisUrl: redisFx.url, postgresUrl: db.url });
}

beforeAll(async () => {
  [redisFx, db] = await Promise.all([
    startRedis({ name: 'oxw-redis', port: REDIS_PORT, suite: SUITE }),
    startPostgres({ name: 'oxw-pg-workers', port: PG_PORT, suite: SUITE }),
  ]);
  redis = new Redis(redisFx.url);
  redis.on('error', () => undefined);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterEach(() => runs.closeAll());

afterAll(async () => {
  redis?.disconnect();
  await admin?.end();
  await removeSuite(SUITE);
});

describe('worker check', () => {
  it('a stopped worker container → worker_down → restart_worker → running', async () => {
    const name = 'oxw-worker-plain';
    await runContainer({
      name,
      suite: SUITE,
      cmd: ['/bin/sleep', 'infinity'],
      extraArgs: ['--stop-timeout', '1'],
    });
    const { ctx } = context();
    const check = checkOf(workerCheck, 'uvicorn', { container: name });
    expect((await check.run(ctx)).findings).toEqual([]);

    await docker('kill', name);
    await waitFor(name, (i) => !i.State.Running);
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('worker_down');
    expect(f.message).toBe(`Worker container '${name}' not running (exited)`);
    expect(f.params).toEqual({ container: name });
    expect(f.targetKey).toBe(`container:${name}`);

    const restart = remedy('restart_worker');
    expect(restart.describe(f)).toBe(`Restarting ${name} container...`);
    await restart.run(f, remedyContext(ctx, check));
    const v = await check.verify!(f, ctx, 10_000);
    expect(v).toEqual({ ok: true, detail: `Worker container '${name}' running` });
    expect((await inspect(name)).State.Running).toBe(true);
  });

  it('a missing worker container is reported, not healable', async () => {
    const { ctx } = context();
    const f = onlyFinding(
      (await checkOf(workerCheck, 'ghost', { container: 'oxw-no-such-worker' }).run(ctx)).findings,
    );
    expect(f.message).toBe("Worker container 'oxw-no-such-worker' not found");
    expect(f.manual).toMatch(/does not exist/);
  });

  it('a scheduler whose heartbeat loop died → scheduler_stopped → restart_service → heartbeat fresh again', async () => {
    const name = 'oxw-scheduler';
    const key = 'tds:heartbeat';
    // The heartbeat loop runs in the background (its pid in /tmp, a tmpfs); PID 1 just sleeps.
    const script =
      `( while :; do /usr/bin/redis-cli -p ${REDIS_PORT} SET ${key} $(date +%s) >/dev/null; sleep 0.5; done ) & ` +
      `echo $! > /tmp/loop.pid; exec sleep infinity`;
    await redis.del(key);
    await runContainer({
      name,
      suite: SUITE,
      cmd: ['/bin/bash', '-c', script],
      extraArgs: ['--stop-timeout', '1'],
    });
    const { ctx } = context();
    const check = checkOf(workerCheck, 'tds-scheduler', {
      container: name,
      heartbeat: { redis_key: key, max_age_seconds: 2 },
    });
    await until(async () => (await check.run(ctx)).findings.length === 0, 10_000, 'a first heartbeat');

    await docker('exec', name, '/bin/sh', '-c', 'kill $(cat /tmp/loop.pid)');
    const f = await until(async () => (await check.run(ctx)).findings[0], 10_000, 'a stale heartbeat');
    expect(f.code).toBe('scheduler_stopped');
    expect(f.message).toMatch(new RegExp(`^Scheduler '${name}' heartbeat is [3-9]s old \\(limit 2s\\)$`));
    expect(f.evidence).toMatchObject({
      source: `Redis key '${key}' on 127.0.0.1:${REDIS_PORT}/0`,
      max_age_seconds: 2,
    });
    expect(f.params).toEqual({ container: name });
    const staleValue = Number(await redis.get(key));

    const started = Date.now();
    await remedy('restart_service').run(f, remedyContext(ctx, check));
    const v = await check.verify!(f, ctx, 10_000);
    expect(v.ok).toBe(true);
    expect(v.detail).toMatch(/^Scheduler heartbeat fresh again \([0-2]s old\)$/);
    expect(Date.now() - started).toBeLessThan(8000);
    // The real key: written again after the restart.
    const fresh = Number(await redis.get(key));
    expect(fresh).toBeGreaterThan(staleValue);
    expect(Date.now() / 1000 - fresh).toBeLessThan(3);
  });

  it('a missing or unreadable heartbeat key counts as stopped', async () => {
    const { ctx } = context();
    await redis.del('oxw:none');
    const check = checkOf(workerCheck, 'nobeat', {
      heartbeat: { redis_key: 'oxw:none', max_age_seconds: 60 },
    });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.message).toBe(
      `Scheduler 'nobeat' has no heartbeat (nothing in Redis key 'oxw:none' on 127.0.0.1:${REDIS_PORT}/0)`,
    );
    expect(f.targetKey).toBe('worker:nobeat');
    expect(f.manual).toMatch(/No container set/);
    await redis.set('oxw:none', 'not-a-time');
    expect(onlyFinding((await check.run(ctx)).findings).message).toMatch(/unreadable value 'not-a-time'/);
    await redis.set('oxw:none', new Date().toISOString());
    expect((await check.run(ctx)).findings).toEqual([]);
    await redis.set('oxw:none', String(Date.now() - 119_500));
    expect(onlyFinding((await check.run(ctx)).findings).message).toBe(
      "Scheduler 'nobeat' heartbeat is 120s old (limit 60s)",
    );
    await redis.del('oxw:none');
  });

  it('a SQL heartbeat: stale → scheduler_stopped, updated → passing', async () => {
    await admin.query(
      `DROP TABLE IF EXISTS heartbeats; CREATE TABLE heartbeats (name text PRIMARY KEY, beat_at timestamptz)`,
    );
    await admin.query(`INSERT INTO heartbeats VALUES ('tds', now() - interval '10 minutes')`);
    const { ctx } = context();
    const check = checkOf(workerCheck, 'tds-sql', {
      heartbeat: { sql: "SELECT beat_at FROM heartbeats WHERE name = 'tds'", max_age_seconds: 120 },
    });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.message).toMatch(/^Scheduler 'tds-sql' heartbeat is 60\ds old \(limit 120s\)$/);
    expect(f.evidence.source).toBe(`SQL heartbeat on 127.0.0.1:${PG_PORT}/postgres`);
    await admin.query(`UPDATE heartbeats SET beat_at = now() WHERE name = 'tds'`);
    const ok = await check.run(ctx);
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatch(/^heartbeat [01]s old$/);
  });

  it('a worker that stopped processing its queue → worker_not_processing → restart_worker → processing again', async () => {
    await admin.query(`DROP TABLE IF EXISTS wjobs; CREATE TABLE wjobs (
      id serial PRIMARY KEY, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
    await admin.query(`INSERT INTO wjobs (status, created_at, updated_at)
                       SELECT 'pending', now() - interval '10 minutes', now() - interval '10 minutes' FROM generate_series(1, 10)`);
    // First start: the worker hangs (as if deadlocked). After a restart it processes one row per 0.2 s.
    const state = tempDir('qworker');
    const url = `postgres://postgres:${encodeURIComponent(db.password)}@127.0.0.1:${PG_PORT}/postgres`;
    writeFileSync(
      `${state}/worker.sh`,
      `if [ ! -e /state/started ]; then touch /state/started; exec sleep infinity; fi
while :; do
  /usr/lib/postgresql/15/bin/psql "$DB_URL" -qAt -c "UPDATE wjobs SET status = 'done', updated_at = now()
    WHERE id = (SELECT id FROM wjobs WHERE status = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)" >/dev/null
  sleep 0.2
done
`,
    );
    const name = 'oxw-qworker';
    await runContainer({
      name,
      suite: SUITE,
      cmd: ['/bin/bash', '/state/worker.sh'],
      volumes: [`${state}:/state`],
      env: { DB_URL: url },
      withEtc: true,
      extraArgs: ['--stop-timeout', '1'],
    });
    const config = {
      phases: [{ name: 'integrations', checks: [{ id: 'wjobs-queue', type: 'queue', table: 'wjobs' }] }],
    };
    const { ctx } = context();
    const check = checkOf(
      workerCheck,
      'qworker',
      { container: name, queue: 'wjobs-queue', progress_window_minutes: 0.05 },
      config,
    );
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('worker_not_processing');
    expect(f.message).toBe(
      `Worker '${name}' not processing: 10 items waiting in 'wjobs', none processed in 0.05 min`,
    );
    expect(f.evidence).toMatchObject({ waiting: 10, processed_in_window: 0, last_progress: 'never' });

    await remedy('restart_worker').run(f, remedyContext(ctx, check));
    const v = await check.verify!(f, ctx, 15_000);
    expect(v.ok).toBe(true);
    expect(v.detail).toMatch(/^Worker processing again \(\d+ items in 0.05 min\)$/);
    const done = (
      await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM wjobs WHERE status = 'done'`)
    ).rows[0].n;
    expect(done).toBeGreaterThan(0);
  });

  it('a worker check naming an unknown queue is refused when it is built', () => {
    expect(() => checkOf(workerCheck, 'w', { container: 'x', queue: 'nope' })).toThrow(
      "Worker check 'w': queue 'nope' is not the id of a queue check in this config",
    );
  });
});

describe('parseHeartbeat', () => {
  it('reads seconds, milliseconds, ISO dates and Date objects', () => {
    expect(parseHeartbeat('1700000000')).toBe(1_700_000_000_000);
    expect(parseHeartbeat('1700000000.5')).toBe(1_700_000_000_500);
    expect(parseHeartbeat(1_700_000_000_123)).toBe(1_700_000_000_123);
    expect(parseHeartbeat('2025-01-10T14:30:15Z')).toBe(Date.parse('2025-01-10T14:30:15Z'));
    expect(parseHeartbeat(new Date(5000))).toBe(5000);
    expect(parseHeartbeat('soon')).toBeUndefined();
    expect(parseHeartbeat(null)).toBeUndefined();
    expect(parseHeartbeat(-1)).toBeUndefined();
  });
});
