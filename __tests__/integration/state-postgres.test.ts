// The shared store on a real PostgreSQL server: its own schema and migrations, separate processes
// writing at once, and a server that cannot be reached, with and without state.required.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { writeAtOnce } from '../helpers/state-process.js';
import { openStateStore, recordReport } from '../../src/state/index.js';
import { sampleReport } from '../helpers/sample-report.js';

const SUITE = 'state-postgres';
let pgf: PostgresFixture;
let admin: pg.Client;

beforeAll(async () => {
  pgf = await startPostgres({ name: 'oxd-state-pg', port: 55490, suite: SUITE });
  admin = new pg.Client({ connectionString: pgf.url });
  await admin.connect();
  // A user's own table that the store must never touch.
  await admin.query('CREATE TABLE public.runs (id int primary key, note text)');
  await admin.query("INSERT INTO public.runs VALUES (1, 'mine')");
});

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await removeSuite(SUITE);
});

const count = async (sql: string): Promise<number> => Number((await admin.query(sql)).rows[0].n);

describe('PostgreSQL state store', () => {
  it('applies its migrations once in schema orixoon when two processes start at once, and loses nothing', async () => {
    const RUNS = 60;
    const out = await writeAtOnce({ url: pgf.url }, 3, RUNS);
    expect(out).toEqual([`done ${RUNS}`, `done ${RUNS}`, `done ${RUNS}`]);
    expect(await count('SELECT count(*) AS n FROM orixoon.runs')).toBe(3 * RUNS);
    expect(await count('SELECT count(*) AS n FROM orixoon.checks')).toBe(3 * RUNS);
    expect(await count('SELECT count(*) AS n FROM orixoon.events')).toBe(3 * RUNS * 2);
    expect(await count('SELECT count(DISTINCT run_id) AS n FROM orixoon.runs')).toBe(3 * RUNS);
    expect((await admin.query('SELECT version FROM orixoon.migrations ORDER BY version')).rows).toEqual([
      { version: 1 },
    ]);
    // The user's table of the same name is as it was.
    expect((await admin.query('SELECT * FROM public.runs')).rows).toEqual([{ id: 1, note: 'mine' }]);
    const tables = await admin.query(
      "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2",
    );
    expect(tables.rows).toEqual([
      { table_schema: 'orixoon', table_name: 'checks' },
      { table_schema: 'orixoon', table_name: 'events' },
      { table_schema: 'orixoon', table_name: 'migrations' },
      { table_schema: 'orixoon', table_name: 'runs' },
      { table_schema: 'public', table_name: 'runs' },
    ]);
  });

  it('records a report and reads the same history as the SQLite store', async () => {
    const { store, warnings } = await openStateStore({ cwd: process.cwd(), config: { url: pgf.url } });
    expect(warnings).toEqual([]);
    expect(store!.location).not.toContain(pgf.password);
    const report = sampleReport();
    report.run = { repository: 'acme/shop', sha: 'abc', url: 'https://github.com/acme/shop/actions/runs/42' };
    const r = await recordReport(store!, report);
    expect(r.recorded).toBe(true);
    const [redis] = await store!.summary({ checkId: 'redis' });
    expect(redis).toMatchObject({
      target: 'shop-redis-1',
      findings: 1,
      actions: 1,
      healed: 1,
      meanTimeToHealMs: 1240,
    });
    const h = await store!.targetHistory(
      { checkId: 'redis', target: 'shop-redis-1' },
      { since: 0, lastRuns: 3 },
    );
    expect(h.runs[0]).toMatchObject({ status: 'healed', outcomes: ['healed'] });
    await store!.close();
    expect(
      (await admin.query("SELECT run_id, repository FROM orixoon.runs WHERE run_id = '42'")).rows,
    ).toEqual([{ run_id: '42', repository: 'acme/shop' }]);
  });

  it('an unreachable server is a warning without state.required and blocks with it', async () => {
    const url = 'postgres://orixoon:hunter2-secret@127.0.0.1:55499/state';
    const soft = await openStateStore({ cwd: process.cwd(), config: { url } });
    expect(soft).toMatchObject({ store: null, blocking: false });
    expect(soft.warnings).toHaveLength(1);
    expect(soft.warnings[0]).toMatch(
      /PostgreSQL state store .*127\.0\.0\.1:55499.* cannot be used: .*ECONNREFUSED/,
    );
    expect(soft.warnings[0]).toMatch(/session limits still hold/);
    const hard = await openStateStore({ cwd: process.cwd(), config: { url, required: true } });
    expect(hard).toMatchObject({ store: null, blocking: true });
    expect(hard.warnings[0]).toMatch(/state\.required is true: the run is blocked/);
    expect(JSON.stringify([soft, hard])).not.toContain('hunter2-secret');
  });

  it('summarises 100,000 recorded actions (time measured)', async () => {
    const { store } = await openStateStore({ cwd: process.cwd(), config: { url: pgf.url } });
    const now = Date.now();
    // 100 runs of 1,000 actions on 50 targets over 6 days (a bulk load; runs are one transaction each).
    for (let i = 0; i < 100; i++) {
      const at = now - 6 * 86_400_000 + i * 5_000_000;
      await store!.recordRun(
        {
          repository: 'acme/shop',
          workflow: 'deploy',
          runId: `bulk-${i}`,
          commit: null,
          startedAt: at,
          endedAt: at + 1000,
          verdict: 'healed',
        },
        [{ checkId: 'bulk', status: 'healed' }],
        Array.from({ length: 1000 }, (_, j) => ({
          at: at + j,
          checkId: 'bulk',
          target: `svc-${j % 50}`,
          host: '',
          code: 'container_not_running',
          action: 'start_container',
          outcome: (i + j) % 7 === 0 ? ('failed' as const) : ('healed' as const),
          attempts: 1,
          durationMs: 500 + ((i * j) % 3000),
          error: null,
        })),
      );
    }
    const times: number[] = [];
    let targets = 0;
    for (let k = 0; k < 10; k++) {
      // The first five right after the bulk load, the rest with the statistics autovacuum gathers after one.
      if (k === 5) await admin.query('ANALYZE orixoon.events');
      const t = performance.now();
      const summary = await store!.summary({ checkId: 'bulk', since: now - 7 * 86_400_000 });
      times.push(performance.now() - t);
      targets = summary.length;
      expect(summary.reduce((n, s) => n + s.findings, 0)).toBe(100_000);
      expect(summary.every((s) => s.lastActions.length === 3)).toBe(true);
    }
    expect(targets).toBe(50);
    await store!.close();
    const ms = (list: number[]): string => list.map((t) => t.toFixed(0)).join(', ');
    console.log(
      `PostgreSQL summary over 100,000 actions: ${ms(times.slice(0, 5))} ms right after the load, ` +
        `${ms(times.slice(5))} ms once analysed`,
    );
  });
});
