// A real "database down": the PostgreSQL container is stopped. The check reports db_unreachable
// (healable only with a configured container), restart_container brings it back, the data (on a
// volume) is intact. And the URL's password never appears in anything Orixoon produces.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { postgresCheck } from '../../src/checks/postgres.js';
import type { Finding } from '../../src/core/types.js';
import { checkHarness, DATASTORE_RUN, OpenRuns } from '../helpers/context.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'datastore-pg-down';
const PORT = 55420;
const PASSWORD = 'S3cret/P@ss:word';
let db: PostgresFixture;
const runs = new OpenRuns();

function setup(options: Record<string, unknown>, url = db.url) {
  const config = { healing_actions: { db_pool_exhausted: { pool_threshold_percent: 1, idle_minutes: 60 } } };
  return runs.track(
    checkHarness(postgresCheck, 'db', options, { ...DATASTORE_RUN, config, postgresUrl: url }),
  );
}

/** Every form the password could take in a text. */
function leaks(text: string): string[] {
  return [PASSWORD, encodeURIComponent(PASSWORD), db.url].filter((s) => text.includes(s));
}

async function rows(): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const n = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')).rows[0].n;
  await c.end();
  return n;
}

beforeAll(async () => {
  db = await startPostgres({ name: 'oxd-pg-down', port: PORT, suite: SUITE, password: PASSWORD });
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE TABLE kept (id int PRIMARY KEY)');
  await c.query('INSERT INTO kept SELECT generate_series(1, 500)');
  await c.end();
}, 120_000);

afterAll(async () => {
  await runs.closeAll();
  await removeSuite(SUITE);
});

describe('db_unreachable on a stopped database container', () => {
  it('reports the finding, restart_container brings the server back, data intact, no password anywhere', async () => {
    const s = setup({ container: db.name });
    // The run's shared session is open before the database goes down.
    expect((await s.check.run(s.ctx)).findings.map((f) => f.code)).toEqual(['db_pool_exhausted']);
    await docker('stop', '-t', '2', db.name);

    const started = Date.now();
    const run = await s.check.run(s.ctx);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.findings).toHaveLength(1);
    const f = run.findings[0];
    expect(f).toMatchObject({
      code: 'db_unreachable',
      target: `127.0.0.1:${PORT}/postgres`,
      targetKey: 'postgres:db',
      category: 'database',
      params: { container: db.name },
      message: `PostgreSQL database 127.0.0.1:${PORT}/postgres unreachable`,
    });
    expect(f.manual).toBeUndefined();
    expect(run.facts?.containers).toEqual([db.name]);

    const remedy = REMEDIES.get('restart_container');
    expect(remedy, 'restart_container is registered (src/healing/remedies/docker.ts)').toBeDefined();
    const result = await remedy!.run(f, s.remedyCtx(f));
    expect((await inspect(db.name)).State.Running).toBe(true);
    const v = await s.check.verify!(f, s.ctx, 30_000);
    expect(v).toEqual({ ok: true, detail: 'Database now accepting connections (SELECT 1 ok)' });
    expect(await rows()).toBe(500);
    // The shared session reconnects by itself.
    expect((await s.check.run(s.ctx)).findings.map((x) => x.code)).toEqual(['db_pool_exhausted']);
    expect(leaks(JSON.stringify({ run, result, v }))).toEqual([]);
  });

  it('is not healable without a configured container, and fails within the connect timeout', async () => {
    await runs.closeAll();
    await docker('stop', '-t', '5', db.name);
    try {
      const s = setup({});
      const started = Date.now();
      const run = await s.check.run(s.ctx);
      expect(Date.now() - started).toBeLessThan(7_000);
      const f = run.findings[0];
      expect(f.code).toBe('db_unreachable');
      expect(f.manual).toMatch(/no database container configured/);
      expect(f.params).toBeUndefined();
      const v = await s.check.verify!(f, s.ctx, 300);
      expect(v.ok).toBe(false);
      expect(leaks(JSON.stringify({ run, v }))).toEqual([]);
    } finally {
      await docker('start', db.name);
      const probe = setup({});
      await probe.check.verify!({ code: 'db_unreachable' } as Finding, probe.ctx, 30_000);
    }
  });

  it('a wrong password is reported for a person (a restart would not help), without the password', async () => {
    const wrong = `postgres://postgres:${encodeURIComponent('Wr0ng-Pa55!')}@127.0.0.1:${PORT}/postgres`;
    const s = setup({ container: db.name }, wrong);
    const run = await s.check.run(s.ctx);
    const f = run.findings[0];
    expect(f.code).toBe('db_unreachable');
    expect(f.evidence.code).toBe('28P01');
    expect(f.manual).toMatch(/refused Orixoon \(28P01\)/);
    expect(JSON.stringify(run)).not.toContain('Wr0ng-Pa55');
  });

  it('never leaks the password in findings, remedy results or remedy errors', async () => {
    const s = setup({ container: db.name, lock_wait_seconds: 0, idle_transaction_minutes: 0 });
    const holder = new pg.Client({ connectionString: db.url, application_name: 'holder' });
    holder.on('error', () => undefined); // it is about to be terminated
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1');
    const run = await s.check.run(s.ctx);
    expect(run.findings.map((x) => x.code).sort()).toEqual(['db_pool_exhausted', 'db_stuck_transactions']);
    const produced: unknown[] = [run];
    for (const f of run.findings) {
      const remedy = REMEDIES.get(
        f.code === 'db_pool_exhausted' ? 'terminate_idle_connections' : 'terminate_idle_transactions',
      )!;
      produced.push(remedy.describe(f));
      // Pool: no connection idle for 60 min → a clear error; stuck: the holder's transaction is ended.
      produced.push(
        await remedy.run(f, s.remedyCtx(f)).catch((e: Error) => ({ error: e.message, stack: e.stack })),
      );
    }
    const text = JSON.stringify(produced);
    expect(text).toMatch(/No idle connection older than 60 min/);
    expect(text).toMatch(/Terminated 1 stuck transaction/);
    expect(leaks(text)).toEqual([]);
    await holder.end().catch(() => undefined);
  });
});
