// The postgres check and its remedies against a real PostgreSQL 15 server in a container, with real
// client sessions: each test builds a failure, runs check → remedy → re-test, and asserts the
// server's real state afterwards (which sessions live, which rows exist).
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { postgresCheck } from '../../src/checks/postgres.js';
import type { Finding } from '../../src/core/types.js';
import { checkHarness, DATASTORE_RUN, OpenRuns } from '../helpers/context.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'datastore-pg-healing';
const PORT = 55410;
let db: PostgresFixture;
const open: pg.Client[] = [];
const runs = new OpenRuns();

function appUrl(user: string, password = 'app-pw'): string {
  return `postgres://${user}:${password}@127.0.0.1:${PORT}/postgres`;
}

async function connect(url: string, applicationName = 'app'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => undefined);
  await c.connect();
  open.push(c);
  return c;
}

async function pidOf(c: pg.Client): Promise<number> {
  return (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}

async function alive(pids: number[]): Promise<number[]> {
  const admin = await connect(db.url, 'test-admin');
  const rows = (
    await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)', [pids])
  ).rows;
  await admin.end();
  return rows.map((r) => r.pid).sort((a, b) => a - b);
}

function setup(config: Record<string, unknown>, options: Record<string, unknown>, url = db.url) {
  return runs.track(
    checkHarness(postgresCheck, 'db', options, { ...DATASTORE_RUN, config, postgresUrl: url }),
  );
}

async function heal(s: ReturnType<typeof setup>, finding: Finding) {
  const remedy = REMEDIES.get(finding.action ?? '') ?? REMEDIES.get(defaultAction(finding.code));
  if (!remedy) throw new Error(`no remedy for ${finding.code}`);
  const result = await remedy.run(finding, s.remedyCtx(finding));
  return { remedy, result };
}

function defaultAction(code: string): string {
  return (
    {
      db_pool_exhausted: 'terminate_idle_connections',
      db_table_locks: 'cancel_blocking_queries',
      db_stuck_transactions: 'terminate_idle_transactions',
      db_unreachable: 'restart_container',
    } as Record<string, string>
  )[code];
}

async function waitUntil(pred: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitingOnLock(admin: pg.Client, pid: number): Promise<boolean> {
  const r = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [
    pid,
  ]);
  return r.rowCount === 1;
}

beforeAll(async () => {
  db = await startPostgres({ name: 'oxd-pg-healing', port: PORT, suite: SUITE, maxConnections: 20 });
  const admin = await connect(db.url, 'test-admin');
  await admin.query(`CREATE ROLE app LOGIN PASSWORD 'app-pw'`);
  await admin.query(`CREATE ROLE keeper LOGIN PASSWORD 'app-pw'`);
  await admin.query(`CREATE ROLE other LOGIN PASSWORD 'app-pw'`);
  await admin.query('CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)');
  await admin.query(`INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 100) g`);
  await admin.query('GRANT ALL ON items TO app, keeper, other');
  await admin.query('GRANT pg_read_all_stats TO app');
  await admin.end();
}, 120_000);

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.end()));
  await runs.closeAll();
  // Every test starts from a server with no leftover client sessions.
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  );
  await admin.end();
});

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('postgres check + remedies on a real server', () => {
  it('db_pool_exhausted → terminate_idle_connections: pool below threshold, active and protected sessions kept, data intact', async () => {
    const s = setup({ protected: { database_users: ['keeper'] } }, { idle_minutes: 0.01 });
    // 17 usable slots (20 − 3 reserved for superusers). Orixoon's own session + 1 active + 1 protected + 13 idle = 16 → 94 %.
    const active = await connect(appUrl('app'));
    const activePid = await pidOf(active);
    const sleeping = active.query('SELECT pg_sleep(20)').catch((e: Error) => e);
    const keeper = await connect(appUrl('keeper'));
    const keeperPid = await pidOf(keeper);
    const idle: pg.Client[] = [];
    for (let i = 0; i < 13; i++) {
      const c = await connect(appUrl('app'));
      // Rows committed by the sessions that are about to be ended.
      await c.query('INSERT INTO items VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v', [
        1000 + i,
        `idle-${i}`,
      ]);
      idle.push(c);
    }
    const idlePids = await Promise.all(idle.map(pidOf));
    await new Promise((r) => setTimeout(r, 800)); // idle longer than 0.01 min (0.6 s)

    const run = await s.check.run(s.ctx);
    const f = run.findings.find((x) => x.code === 'db_pool_exhausted');
    expect(f, JSON.stringify(run)).toBeDefined();
    expect(f!.target).toBe(`127.0.0.1:${PORT}/postgres`);
    expect(f!.targetKey).toBe('postgres:db');
    expect(f!.evidence.pool_usable).toBe(17);
    expect(f!.evidence.pool_used).toBe(16);
    expect(f!.evidence.idle_candidates).toBe(13);
    expect(f!.message).toBe('Database connection pool 94% full (16/17 connections)');

    const { remedy, result } = await heal(s, f!);
    expect(remedy.describe(f!)).toMatch(/^Terminating 13 idle connections/);
    expect(result.data?.terminated).toBe(13);
    expect(result.details).toMatch(/^Connection pool now at 18%/);
    expect(result.data?.pool_percent_before).toBeGreaterThanOrEqual(90);
    expect(result.data?.pool_percent_after).toBeLessThan(90);
    // idle_session_timeout is 0 on this server: the lasting fix is recommended for the role.
    expect(result.recommendations?.join('\n')).toMatch(/ALTER ROLE app SET idle_session_timeout/);

    const v = await s.check.verify!(f!, s.ctx, 5_000);
    expect(v.ok).toBe(true);
    // Real state: the idle sessions are gone, the active and the protected ones are alive.
    expect(await alive([...idlePids, activePid, keeperPid])).toEqual(
      [activePid, keeperPid].sort((a, b) => a - b),
    );
    expect((await keeper.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    const admin = await connect(db.url, 'test-admin');
    const rows = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM items WHERE v LIKE 'idle-%'`,
    );
    expect(rows.rows[0].n).toBe(13);
    expect((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(113);
    await admin.query('SELECT pg_cancel_backend($1)', [activePid]);
    expect(await sleeping).toBeInstanceOf(Error);
    await admin.query('DELETE FROM items WHERE id >= 1000');
  });

  it('db_table_locks with an idle-in-transaction blocker: terminated at once, the waiting UPDATE completes, only its uncommitted write is gone', async () => {
    const s = setup({}, { lock_wait_seconds: 0.3 });
    const blocker = await connect(appUrl('app'));
    const blockerPid = await pidOf(blocker);
    await blocker.query('BEGIN');
    await blocker.query(`UPDATE items SET v = 'uncommitted' WHERE id = 1`);
    await blocker.query(`INSERT INTO items VALUES (500, 'uncommitted-insert')`);
    const waiter = await connect(appUrl('app'));
    const waiterPid = await pidOf(waiter);
    const update = waiter.query(`UPDATE items SET v = 'from-waiter' WHERE id = 1`);
    const admin = await connect(db.url, 'test-admin');
    await waitUntil(() => waitingOnLock(admin, waiterPid));
    await new Promise((r) => setTimeout(r, 400));

    const run = await s.check.run(s.ctx);
    const f = run.findings.find((x) => x.code === 'db_table_locks');
    expect(f, JSON.stringify(run)).toBeDefined();
    expect(f!.evidence.waiting).toBe(1);
    expect((f!.evidence.blockers as Array<{ pid: number; state: string }>)[0]).toMatchObject({
      pid: blockerPid,
      state: 'idle in transaction',
    });

    const { result } = await heal(s, f!);
    expect(result.data).toMatchObject({ terminated: 1, cancelled: 0, waiting_after: 0 });
    expect((await update).rowCount).toBe(1);
    expect(await alive([blockerPid, waiterPid])).toEqual([waiterPid]);
    const rows = await admin.query<{ id: number; v: string }>(
      'SELECT id, v FROM items WHERE id IN (1, 2, 500) ORDER BY id',
    );
    expect(rows.rows).toEqual([
      { id: 1, v: 'from-waiter' },
      { id: 2, v: 'v2' },
    ]);
    expect((await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(100);
    expect((await s.check.verify!(f!, s.ctx, 3_000)).ok).toBe(true);
    await admin.query(`UPDATE items SET v = 'v1' WHERE id = 1`);
  });

  it('db_table_locks with an active blocker: cancelled, not terminated, when cancelling suffices', async () => {
    const s = setup({}, { lock_wait_seconds: 0.3 });
    const blocker = await connect(appUrl('app'));
    const blockerPid = await pidOf(blocker);
    // One autocommit statement: locks row 2, then sleeps. A cancel aborts it and releases the lock.
    const slow = blocker
      .query(`WITH u AS (UPDATE items SET v = 'slow' WHERE id = 2 RETURNING id) SELECT pg_sleep(30) FROM u`)
      .catch((e: Error) => e);
    const admin = await connect(db.url, 'test-admin');
    await waitUntil(
      async () =>
        (
          await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'`, [
            blockerPid,
          ])
        ).rowCount === 1,
    );
    const waiter = await connect(appUrl('app'));
    const waiterPid = await pidOf(waiter);
    const update = waiter.query(`UPDATE items SET v = 'from-waiter' WHERE id = 2`);
    await waitUntil(() => waitingOnLock(admin, waiterPid));
    await new Promise((r) => setTimeout(r, 400));

    const run = await s.check.run(s.ctx);
    const f = run.findings.find((x) => x.code === 'db_table_locks');
    expect(f, JSON.stringify(run)).toBeDefined();
    const { result } = await heal(s, f!);
    expect(result.data).toMatchObject({ cancelled: 1, terminated: 0, waiting_after: 0 });
    expect(result.details).toMatch(/^Cancelled 1 blocking query/);
    expect(String(await slow)).toMatch(/cancel/i);
    expect((await update).rowCount).toBe(1);
    // The blocker's session is still alive and usable.
    expect(await alive([blockerPid, waiterPid])).toEqual([blockerPid, waiterPid].sort((a, b) => a - b));
    expect((await blocker.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    const row = await admin.query<{ v: string }>('SELECT v FROM items WHERE id = 2');
    expect(row.rows[0].v).toBe('from-waiter');
    await admin.query(`UPDATE items SET v = 'v2' WHERE id = 2`);
  });

  it('db_table_locks with a blocker that keeps its lock after a cancel (savepoint): cancelled, re-checked, then terminated', async () => {
    const s = setup({}, { lock_wait_seconds: 0.3 });
    const blocker = await connect(appUrl('app'));
    const blockerPid = await pidOf(blocker);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    // A cancel aborts only the savepoint's subtransaction: the outer one keeps its table lock.
    await blocker.query('SAVEPOINT s1');
    const sleeping = blocker.query('SELECT pg_sleep(30)').catch((e: Error) => e);
    const waiter = await connect(appUrl('app'));
    const waiterPid = await pidOf(waiter);
    const read = waiter.query<{ n: number }>('SELECT count(*)::int AS n FROM items');
    const admin = await connect(db.url, 'test-admin');
    await waitUntil(() => waitingOnLock(admin, waiterPid));
    await new Promise((r) => setTimeout(r, 400));

    const f = (await s.check.run(s.ctx)).findings.find((x) => x.code === 'db_table_locks');
    expect(f).toBeDefined();
    const { result } = await heal(s, f!);
    expect(result.data).toMatchObject({ cancelled: 0, terminated: 1, waiting_after: 0 });
    expect(String(await sleeping)).toMatch(/cancel|terminat/i);
    expect((await read).rows[0].n).toBe(100);
    expect(await alive([blockerPid, waiterPid])).toEqual([waiterPid]);
  });

  it('db_stuck_transactions: transactions idle past the threshold terminated; younger ones and protected users untouched', async () => {
    const s = setup({ protected: { database_users: ['keeper'] } }, { idle_transaction_minutes: 0.04 }); // 2.4 s
    const oldPids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await connect(appUrl('app'));
      oldPids.push(await pidOf(c));
      await c.query('BEGIN');
      await c.query('INSERT INTO items VALUES ($1, $2)', [700 + i, 'stuck-uncommitted']);
    }
    const keeper = await connect(appUrl('keeper'));
    const keeperPid = await pidOf(keeper);
    await keeper.query('BEGIN');
    await keeper.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 2_700));
    const young = await connect(appUrl('app'));
    const youngPid = await pidOf(young);
    await young.query('BEGIN');
    await young.query(`INSERT INTO items VALUES (800, 'young-uncommitted')`);

    const run = await s.check.run(s.ctx);
    const f = run.findings.find((x) => x.code === 'db_stuck_transactions');
    expect(f, JSON.stringify(run)).toBeDefined();
    expect(f!.evidence.stuck).toBe(4);
    expect(f!.evidence.signallable).toBe(3);
    expect(f!.recommendation).toMatch(/ALTER ROLE app SET idle_in_transaction_session_timeout = '5min'/);
    expect(run.recommendations?.join('\n')).toMatch(/idle_in_transaction_session_timeout/);

    const { remedy, result } = await heal(s, f!);
    expect(remedy.describe(f!)).toBe('Terminating 3 stuck transactions...');
    expect(result.data?.terminated).toBe(3);
    expect(await alive([...oldPids, youngPid, keeperPid])).toEqual(
      [youngPid, keeperPid].sort((a, b) => a - b),
    );
    await young.query('COMMIT');
    await keeper.query('COMMIT');
    const admin = await connect(db.url, 'test-admin');
    const ids = (
      await admin.query<{ id: number }>('SELECT id FROM items WHERE id >= 700 ORDER BY id')
    ).rows.map((r) => r.id);
    expect(ids).toEqual([800]);
    expect(
      (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id <= 100')).rows[0].n,
    ).toBe(100);
    await admin.query('DELETE FROM items WHERE id >= 700');
  });

  it('recommends a server-side timeout only for roles that do not set it already', async () => {
    const admin = await connect(db.url, 'test-admin');
    await admin.query(`ALTER ROLE other SET idle_in_transaction_session_timeout = '10min'`);
    try {
      const s = setup({}, { idle_transaction_minutes: 0.01 });
      for (const user of ['app', 'other']) {
        const c = await connect(appUrl(user));
        await c.query('BEGIN');
        await c.query('SELECT 1');
      }
      await new Promise((r) => setTimeout(r, 800));
      const run = await s.check.run(s.ctx);
      const f = run.findings.find((x) => x.code === 'db_stuck_transactions');
      expect(f?.evidence.stuck).toBe(2);
      expect(f?.recommendation).toMatch(/ALTER ROLE app SET idle_in_transaction_session_timeout/);
      expect(f?.recommendation).not.toMatch(/ALTER ROLE other/);
    } finally {
      await admin.query('ALTER ROLE other RESET idle_in_transaction_session_timeout');
    }
  });

  it("recommends pg_monitor when its role cannot see other roles' sessions", async () => {
    const s = setup({}, {}, appUrl('other'));
    const run = await s.check.run(s.ctx);
    expect(run.findings).toEqual([]);
    expect(run.recommendations?.join('\n')).toMatch(/GRANT pg_monitor TO other;/);
  });

  it('reports a missing pg_signal_backend with the GRANT that fixes it, and ends nothing', async () => {
    // Orixoon connects as `app` (may read all stats, no pg_signal_backend); the stuck transaction belongs to `other`.
    const s = setup({}, { idle_transaction_minutes: 0.01 }, appUrl('app'));
    const stuck = await connect(appUrl('other'));
    const stuckPid = await pidOf(stuck);
    await stuck.query('BEGIN');
    await stuck.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 800));
    const f = (await s.check.run(s.ctx)).findings.find((x) => x.code === 'db_stuck_transactions');
    expect(f).toBeDefined();
    const err = await heal(s, f!).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/GRANT pg_signal_backend TO app;/);
    expect(await alive([stuckPid])).toEqual([stuckPid]);
  });

  it('never signals its own session, a backup tool or a protected user, even when asked to', async () => {
    const s = setup({ protected: { database_users: ['keeper'] } }, {});
    const target = s.ctx.targets.postgres();
    const own = await target.ownPid();
    const dump = await connect(appUrl('app'), 'pg_dump');
    const keeper = await connect(appUrl('keeper'));
    const plain = await connect(appUrl('app'));
    const pids = [own, await pidOf(dump), await pidOf(keeper), await pidOf(plain)];
    const sessions = await target.sessionsByPid(pids);
    // Orixoon's own session is not even listed among the sessions it could pick.
    expect((await target.sessions()).map((x) => x.pid)).not.toContain(own);
    const picked = [
      ...sessions.map((x) => ({ pid: x.pid, backendStart: x.backendStart, stateChange: x.stateChange })),
      { pid: own, backendStart: '2000-01-01T00:00:00.000000', stateChange: null },
    ];
    const r = await target.signal('terminate', picked, { protectedUsers: ['keeper'], limit: 10 });
    expect(r.signalled).toEqual([pids[3]]);
    expect(await alive(pids)).toEqual(pids.slice(0, 3).sort((a, b) => a - b));
    // A session picked earlier whose state changed since is left alone (the identity no longer matches).
    const other = await connect(appUrl('app'));
    const [before] = await target.sessionsByPid([await pidOf(other)]);
    await other.query('SELECT 1');
    const r2 = await target.signal(
      'terminate',
      [{ pid: before.pid, backendStart: before.backendStart, stateChange: before.stateChange }],
      {
        protectedUsers: [],
        limit: 10,
      },
    );
    expect(r2.skipped).toEqual([before.pid]);
    expect(await alive([before.pid])).toEqual([before.pid]);
  });
});
