// Every read Orixoon makes on PostgreSQL (checks, heartbeat SQL a user wrote) runs as one statement
// in a READ ONLY transaction, against a real server: a heartbeat that writes, or that smuggles a
// second statement in, is refused with a clear message and changes nothing — in a dry run or not —
// and a dry run of the queue and worker checks leaves every row as it was.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { runWithConfig } from '../helpers/engine.js';
import { checkOf, OpenRuns } from '../helpers/context.js';
import { workerCheck } from '../../src/checks/worker.js';
import { PostgresTarget, PostgresTargetError } from '../../src/targets/postgres/index.js';

const SUITE = 'datastore-pg-read-only';
const PORT = 55430;
let db: PostgresFixture;
let admin: pg.Client;
const runs = new OpenRuns();

/** Every row of `table` as one text: what must be the same afterwards. */
async function contents(table: string): Promise<string> {
  const { rows } = await admin.query<{ all: string }>(
    `SELECT coalesce(string_agg(t::text, '|' ORDER BY t::text), '') AS all FROM ${table} t`,
  );
  return rows[0]!.all;
}

function heartbeatConfig(sql: string): string {
  return [
    'targets: { postgres: { url: "${DATABASE_URL}" } }',
    'phases:',
    '  - name: workers',
    '    checks:',
    `      - { id: scheduler, type: worker, heartbeat: { sql: ${JSON.stringify(sql)}, max_age_seconds: 60 } }`,
  ].join('\n');
}

beforeAll(async () => {
  await removeSuite(SUITE);
  db = await startPostgres({ name: 'oxd-pg-read-only', port: PORT, suite: SUITE });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
}, 90_000);

beforeEach(async () => {
  await admin.query(`DROP TABLE IF EXISTS users, jobs;
    DROP SEQUENCE IF EXISTS ticket;
    CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO users SELECT g, 'user' || g FROM generate_series(1, 20) g;
    CREATE SEQUENCE ticket;`);
});

afterEach(async () => {
  await runs.closeAll();
});

afterAll(async () => {
  await admin?.end();
  await removeSuite(SUITE);
});

describe('heartbeat.sql is read-only', () => {
  it("dry run, heartbeat.sql \"UPDATE users SET name = name || 'x' RETURNING now()\": blocked with 'must be a single read-only query', the 20 rows unchanged", async () => {
    const before = await contents('users');
    const r = await runWithConfig(heartbeatConfig("UPDATE users SET name = name || 'x' RETURNING now()"), {
      env: { DATABASE_URL: db.url },
      dryRun: true,
    });
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.findings).toHaveLength(1);
    const f = r.report.findings[0]!;
    expect(f.code).toBe('check_error');
    expect(f.message).toContain(
      "Check 'scheduler' (worker) could not run: heartbeat.sql must be a single read-only query " +
        '(e.g. SELECT max(beat_at) FROM heartbeats), but it tries to write: Orixoon runs it in a READ ONLY ' +
        'transaction, so nothing was changed',
    );
    expect(f.message).toContain('cannot execute UPDATE in a read-only transaction');
    expect(r.console).toContain('heartbeat.sql must be a single read-only query');
    expect(await contents('users')).toBe(before);
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE name LIKE '%x'`,
    );
    expect(rows[0]!.n).toBe(0);
    expect(r.reportJson).not.toContain(db.password);
  });

  it("'SELECT now(); UPDATE users …' (two statements): refused as a whole, nothing changed", async () => {
    const before = await contents('users');
    const r = await runWithConfig(heartbeatConfig("SELECT now(); UPDATE users SET name = name || 'y'"), {
      env: { DATABASE_URL: db.url },
    });
    expect(r.report.verdict).toBe('blocked');
    const f = r.report.findings[0]!;
    expect(f.code).toBe('check_error');
    expect(f.message).toContain('heartbeat.sql must be a single read-only query');
    expect(f.message).toContain('but it holds more than one statement');
    expect(f.message).toContain('cannot insert multiple commands into a prepared statement');
    expect(await contents('users')).toBe(before);
  });

  it("'COMMIT; UPDATE …', a data-modifying CTE, nextval, SELECT … FOR UPDATE: each refused by the worker check, nothing changed", async () => {
    const before = await contents('users');
    const run = runs.open({ postgresUrl: db.url });
    for (const [sql, why] of [
      ["COMMIT; UPDATE users SET name = 'z' RETURNING now()", 'holds more than one statement'],
      ["WITH u AS (UPDATE users SET name = 'z' RETURNING now() AS t) SELECT max(t) FROM u", 'tries to write'],
      ["SELECT now() FROM (SELECT nextval('ticket')) s", 'tries to write'],
      ['SELECT now() FROM users FOR UPDATE', 'tries to write'],
    ] as const) {
      const check = checkOf(workerCheck, 'scheduler', { heartbeat: { sql, max_age_seconds: 60 } });
      const err = await check.run(run.ctx).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message, sql).toMatch(/^heartbeat\.sql must be a single read-only query/);
      expect(err?.message, sql).toContain(`, but it ${why}:`);
    }
    expect(await contents('users')).toBe(before);
    const { rows } = await admin.query<{ last: string | null }>(
      'SELECT last_value::text AS last FROM ticket WHERE is_called',
    );
    expect(rows).toEqual([]); // the sequence never advanced
  });

  it('a read-only heartbeat still works on the same session', async () => {
    await admin.query(`CREATE TABLE IF NOT EXISTS beats (at timestamptz); TRUNCATE beats;
      INSERT INTO beats VALUES (now() - interval '5 seconds')`);
    const run = runs.open({ postgresUrl: db.url });
    const check = checkOf(workerCheck, 'scheduler', {
      heartbeat: { sql: 'SELECT max(at) FROM beats', max_age_seconds: 60 },
    });
    const res = await check.run(run.ctx);
    expect(res.findings).toEqual([]);
    expect(res.summary).toMatch(/^heartbeat \d+s old$/);
  });
});

describe('PostgresTarget reads', () => {
  it('query() runs one statement in a READ ONLY transaction; a SET inside it does not outlive it; transaction() still writes', async () => {
    const t = new PostgresTarget(db.url);
    try {
      const [row] = await t.query<{ ro: string; st: string }>(
        `SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st`,
      );
      expect(row!.ro).toBe('on');
      expect(row!.st).toBe('15s');

      const refused = await t.query("UPDATE users SET name = 'w'").catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PostgresTargetError);
      expect((refused as PostgresTargetError).pgCode).toBe('25006');
      const ddl = await t.query('CREATE TABLE made_by_a_read (id int)').catch((e: unknown) => e);
      expect((ddl as PostgresTargetError).pgCode).toBe('25006');

      // Session settings changed by a read are rolled back with it.
      await t.query('SET statement_timeout = 0');
      await t.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE');
      await t.query("SELECT set_config('default_transaction_read_only', 'off', false)");
      const [after] = await t.query<{ ro: string; st: string }>(
        `SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st`,
      );
      expect(after).toEqual({ ro: 'on', st: '15s' });
      // A bare COMMIT ends nothing of consequence; the next read is read-only again.
      await t.query('COMMIT');
      const again = await t.query("UPDATE users SET name = 'w'").catch((e: unknown) => e);
      expect((again as PostgresTargetError).pgCode).toBe('25006');

      // The write path of remedies is unaffected.
      const updated = await t.transaction((q) => q('UPDATE users SET name = name WHERE id = 1 RETURNING id'));
      expect(updated).toHaveLength(1);
      const { rows } = await admin.query("SELECT to_regclass('made_by_a_read') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('dry run of the queue and worker checks', () => {
  it('stuck, backlogged and unprocessed rows: plans only, every row as it was', async () => {
    await admin.query(`CREATE TABLE jobs (id serial PRIMARY KEY, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO jobs (status, attempts, updated_at, created_at)
        SELECT CASE WHEN g <= 12 THEN 'failed' WHEN g <= 15 THEN 'processing' ELSE 'pending' END,
               CASE WHEN g % 4 = 0 THEN 5 ELSE 1 END, now() - interval '3 hours', now() - interval '3 hours'
        FROM generate_series(1, 140) g;`);
    const before = await contents('jobs');
    const r = await runWithConfig(
      [
        'targets: { postgres: { url: "${DATABASE_URL}" } }',
        'phases:',
        '  - name: queues',
        '    checks:',
        '      - { id: q, type: queue, table: jobs, max_stuck: 5, max_pending: 50 }',
        '      - { id: w, type: worker, queue: q, progress_window_minutes: 1, heartbeat: { sql: "SELECT max(updated_at) FROM jobs", max_age_seconds: 60 } }',
      ].join('\n'),
      { env: { DATABASE_URL: db.url }, dryRun: true },
    );
    const outcomes = r.report.findings.map((f) => `${f.checkId}:${f.code}:${f.outcome}`).sort();
    expect(outcomes).toEqual([
      'q:queue_backlog:dry_run',
      'q:queue_delay:dry_run',
      'q:queue_stuck:dry_run',
      'w:scheduler_stopped:not_healable',
    ]);
    expect(r.report.actions).toEqual([]);
    expect(r.report.verdict).toBe('blocked');
    expect(await contents('jobs')).toBe(before);
  });
});
