// The postgres target against a real PostgreSQL server in a container: its session settings, the
// single-session query/transaction API, and password-free errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { PostgresTarget } from '../../src/targets/postgres/index.js';

const SUITE = 'datastore-pg-target';
let pgf: PostgresFixture;

beforeAll(async () => {
  pgf = await startPostgres({ name: 'oxd-pg-target', port: 55401, suite: SUITE });
}, 90_000);
afterAll(async () => {
  await removeSuite(SUITE);
});

describe('PostgresTarget', () => {
  it('runs queries on one session named orixoon, with statement and lock timeouts', async () => {
    const t = new PostgresTarget(pgf.url);
    try {
      const rows = await t.query<{ app: string; st: string; lt: string; pid: number }>(
        `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS st,
                current_setting('lock_timeout') AS lt, pg_backend_pid() AS pid`,
      );
      expect(rows[0].app).toBe('orixoon');
      expect(rows[0].st).not.toBe('0');
      expect(rows[0].lt).not.toBe('0');
      const again = await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(again[0].pid).toBe(rows[0].pid);
      const ours = await t.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'orixoon'`,
      );
      expect(ours[0].n).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('commits a transaction, rolls back on error, and never interleaves other queries into it', async () => {
    const t = new PostgresTarget(pgf.url);
    try {
      await t.transaction(async (q) => {
        await q('CREATE TABLE IF NOT EXISTS tx_test (id int primary key, v text)');
        await q('TRUNCATE tx_test');
      });
      await t.transaction(async (q) => {
        await q('INSERT INTO tx_test VALUES (1, $1)', ['a']);
        await q('INSERT INTO tx_test VALUES (2, $1)', ['b']);
      });
      await expect(
        t.transaction(async (q) => {
          await q('INSERT INTO tx_test VALUES (3, $1)', ['c']);
          await q('INSERT INTO tx_test VALUES (1, $1)', ['dup']);
        }),
      ).rejects.toThrow(/127\.0\.0\.1:55401\/postgres/);
      // A query issued while a transaction runs waits for it instead of landing inside it.
      const inTx = t.transaction(async (q) => {
        await q('INSERT INTO tx_test VALUES (4, $1)', ['d']);
        const [row] = await q<{ n: number }>('SELECT count(*)::int AS n FROM tx_test');
        return row.n;
      });
      // Outside it: no transaction id of the writer's, and its own read-only transaction.
      const outside = t.query<{ tx: boolean }>(
        `SELECT txid_current_if_assigned() IS NULL AND current_setting('transaction_read_only') = 'on' AS tx`,
      );
      expect(await inTx).toBe(3);
      expect((await outside)[0].tx).toBe(true);
      const rows = await t.query<{ id: number }>('SELECT id FROM tx_test ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual([1, 2, 4]);
    } finally {
      await t.close();
    }
  });

  it('reopens its session after it was terminated', async () => {
    const t = new PostgresTarget(pgf.url);
    const other = new PostgresTarget(pgf.url);
    try {
      const [{ pid }] = await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await other.query('SELECT pg_terminate_backend($1)', [pid]);
      await other.waitGone([pid], 5_000);
      // The first query after a server-side termination may fail; the next one must work.
      await t.query('SELECT 1').catch(() => undefined);
      const [{ pid: pid2 }] = await t.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(pid2).not.toBe(pid);
    } finally {
      await t.close();
      await other.close();
    }
  });

  it('never puts the password in errors', async () => {
    const bad = pgf.url.replace(encodeURIComponent(pgf.password), 'wrong-Secret-99');
    const t = new PostgresTarget(bad);
    const err = await t.query('SELECT 1').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err instanceof Error && err.message).toMatch(/127\.0\.0\.1:55401\/postgres: connect failed/);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain(
      'wrong-Secret-99',
    );
    await t.close();
    const down = new PostgresTarget(`postgres://postgres:${pgf.password}@127.0.0.1:55499/postgres`, {
      connectTimeoutMs: 1000,
    });
    const started = Date.now();
    const err2 = await down.query('SELECT 1').catch((e: unknown) => e as Error);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((err2 as Error).message).not.toContain(pgf.password);
    await down.close();
  });
});
