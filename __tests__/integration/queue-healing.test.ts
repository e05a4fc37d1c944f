// The queue check and its remedies against a real PostgreSQL 15 server: stuck, failed and
// over-attempted rows are requeued or dead-lettered with exact row counts, the row limit holds,
// rows a worker has locked are skipped, nothing is ever lost, and protected tables are refused.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { queueCheck, validateQueueConfig } from '../../src/checks/queue.js';
import { configSchema } from '../../src/config/schema.js';
import type { Finding } from '../../src/core/types.js';
import { checkOf, onlyFinding, OpenRuns, remedy, remedyContext, type TestRun } from '../helpers/context.js';
import { SUITE } from './workers-support.js';

const PORT = 55501;
let db: PostgresFixture;
let admin: pg.Client;
const runs = new OpenRuns();

function context(): TestRun {
  return runs.open({ postgresUrl: db.url });
}

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  params?: unknown[],
): Promise<T[]> {
  return (await admin.query<T>(text, params)).rows;
}

async function count(where: string, table = 'jobs'): Promise<number> {
  const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`);
  return row.n;
}

async function totals(): Promise<{ queue: number; dlq: number; sum: number }> {
  const queue = await count('true');
  const dlq = await count('true', 'jobs_dlq');
  return { queue, dlq, sum: queue + dlq };
}

/** Adds `n` rows: status, attempts, and how long ago they were created / last updated. */
async function add(
  n: number,
  status: string,
  attempts: number,
  updatedAgo = '0 minutes',
  createdAgo = '3 hours',
): Promise<void> {
  await sql(
    `INSERT INTO jobs (payload, status, attempts, created_at, updated_at)
     SELECT $1 || '-' || g, $1, $2, now() - $4::interval, now() - $3::interval FROM generate_series(1, $5) g`,
    [status, attempts, updatedAgo, createdAgo, n],
  );
}

const OPTIONS = { table: 'jobs', dead_letter_table: 'jobs_dlq', max_stuck: 10, stuck_after_minutes: 30 };

beforeAll(async () => {
  db = await startPostgres({ name: 'oxw-pg-queue', port: PORT, suite: SUITE });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

beforeEach(async () => {
  await sql(
    `DROP TABLE IF EXISTS jobs, jobs_dlq, jobs_dlq_narrow CASCADE; DROP SCHEMA IF EXISTS work CASCADE`,
  );
  await sql(`CREATE TABLE jobs (
    id serial PRIMARY KEY, payload text NOT NULL, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`);
  await sql(
    `CREATE TABLE jobs_dlq (LIKE jobs INCLUDING ALL, dead_lettered_at timestamptz NOT NULL DEFAULT now())`,
  );
});

afterEach(() => runs.closeAll());

afterAll(async () => {
  await admin?.end();
  await removeSuite(SUITE);
});

/** 30 failed (1 attempt), 10 failed (5), 8 stale processing (2), 2 stale processing (7), 5 fresh processing, 20 pending. */
async function seedStuck(): Promise<void> {
  await add(30, 'failed', 1, '1 hour');
  await add(10, 'failed', 5, '1 hour');
  await add(8, 'processing', 2, '2 hours');
  await add(2, 'processing', 7, '2 hours');
  await add(5, 'processing', 1, '1 minute');
  await add(20, 'pending', 0, '1 minute', '1 minute');
}

describe('queue check', () => {
  it('queue_stuck → requeue_failed_items: exact counts, attempts + 1, over-attempted rows dead-lettered, nothing lost', async () => {
    await seedStuck();
    const { ctx } = context();
    const check = checkOf(queueCheck, 'zoho-sync', OPTIONS);
    const run = await check.run(ctx);
    const f = onlyFinding(run.findings);
    expect(f.code).toBe('queue_stuck');
    expect(f.message).toBe(
      "Queue 'jobs' has 50 stuck items (40 failed, 10 processing for over 30 min; limit 10)",
    );
    expect(f.targetKey).toBe('table:jobs');
    expect(f.evidence).toMatchObject({ failed: 40, stale_processing: 10, requeueable: 38, exhausted: 12 });
    expect(run.summary).toBe('20 pending, 15 processing, 40 failed, 0 dead');

    const before = await totals();
    const requeue = remedy('requeue_failed_items');
    expect(requeue.category).toBe('database');
    expect(requeue.describe(f)).toBe('Resetting 38 items, moving 12 to DLQ...');
    const result = await requeue.run(f, remedyContext(ctx, check));
    expect(result.details).toBe('Reset 38 items to pending, moved 12 to DLQ (jobs_dlq)');
    expect(result.data).toMatchObject({ requeued: 38, dead_lettered: 12 });

    // The real table: 20 + 38 pending, the fresh processing rows untouched, nothing failed.
    expect(await count(`status = 'pending'`)).toBe(58);
    expect(await count(`status = 'processing'`)).toBe(5);
    expect(await count(`status = 'failed'`)).toBe(0);
    expect(
      await count(
        `status = 'pending' AND payload LIKE 'failed-%' AND attempts = 2 AND updated_at > now() - interval '1 minute'`,
      ),
    ).toBe(30);
    expect(await count(`status = 'pending' AND payload LIKE 'processing-%' AND attempts = 3`)).toBe(8);
    // The dead-lettered rows keep their ids and contents.
    expect(await count(`attempts >= 5`, 'jobs_dlq')).toBe(12);
    expect(await count(`id IN (SELECT id FROM jobs)`, 'jobs_dlq')).toBe(0);
    const after = await totals();
    expect(after).toEqual({ queue: before.queue - 12, dlq: 12, sum: before.sum });

    expect((await check.run(ctx)).findings).toEqual([]);
  });

  it('respects max_rows_per_action: every action touches at most that many rows', async () => {
    await seedStuck();
    const { ctx } = context();
    const check = checkOf(queueCheck, 'zoho-sync', { ...OPTIONS, max_rows_per_action: 10 });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(remedy('requeue_failed_items').describe(f)).toBe(
      'Resetting up to 10 of 50 stuck items (row limit)...',
    );
    const sum = (await totals()).sum;
    const touched: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await remedy('requeue_failed_items').run(f, remedyContext(ctx, check));
      touched.push(Number(r.data?.requeued) + Number(r.data?.dead_lettered));
      expect((await totals()).sum).toBe(sum);
    }
    expect(touched).toEqual([10, 10, 10, 10, 10, 0]);
    expect(await count(`status = 'failed'`)).toBe(0);
  });

  it('skips rows a worker holds locked (FOR UPDATE SKIP LOCKED) without waiting for them', async () => {
    await add(20, 'failed', 1, '1 hour');
    const worker = new pg.Client({ connectionString: db.url });
    await worker.connect();
    try {
      await worker.query('BEGIN');
      const locked = (
        await worker.query<{ id: number }>(`SELECT id FROM jobs ORDER BY id LIMIT 5 FOR UPDATE`)
      ).rows.map((r) => r.id);
      const { ctx } = context();
      const check = checkOf(queueCheck, 'q', OPTIONS);
      const f = onlyFinding((await check.run(ctx)).findings);
      const started = Date.now();
      const r = await remedy('requeue_failed_items').run(f, remedyContext(ctx, check));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(r.data).toMatchObject({ requeued: 15, dead_lettered: 0 });
      await worker.query('COMMIT');
      expect(await count(`status = 'failed' AND id = ANY('{${locked.join(',')}}')`)).toBe(5);
    } finally {
      await worker.end();
    }
  });

  it('queue_backlog → move_to_dead_letter moves only rows past max_attempts; the real backlog stays reported', async () => {
    await add(143, 'pending', 1, '1 minute', '1 minute');
    await add(7, 'pending', 5, '1 minute', '1 minute');
    const { ctx } = context();
    const check = checkOf(queueCheck, 'q', OPTIONS);
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('queue_backlog');
    expect(f.message).toBe("Queue 'jobs' backlog: 150 pending items (limit 100)");
    const move = remedy('move_to_dead_letter');
    expect(move.describe(f)).toBe('Moving 7 items past their attempt limit to DLQ (jobs_dlq)...');
    const r = await move.run(f, remedyContext(ctx, check));
    expect(r.details).toBe(
      'Moved 7 items past 5 attempts to DLQ (jobs_dlq); 143 pending items remain (limit 100): a real backlog, scale the workers',
    );
    expect(await count('true', 'jobs_dlq')).toBe(7);
    expect(await count(`attempts >= 5`)).toBe(0);
    expect((await totals()).sum).toBe(150);
    const again = onlyFinding((await check.run(ctx)).findings);
    expect(again.code).toBe('queue_backlog');
    expect(again.evidence.pending).toBe(143);
    // Nothing past its attempts is left: the backlog is real and only a person can add capacity.
    expect(again.manual).toMatch(/^None of the 143 pending items is past 5 attempts: a real backlog/);
  });

  it('queue_delay → reset_processing_status puts stale processing rows back (and dead-letters exhausted ones)', async () => {
    await add(3, 'pending', 0, '2 hours', '2 hours');
    await add(4, 'processing', 1, '45 minutes');
    await add(1, 'processing', 5, '45 minutes');
    await add(2, 'processing', 1, '1 minute');
    const { ctx } = context();
    const check = checkOf(queueCheck, 'q', OPTIONS);
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('queue_delay');
    expect(f.message).toMatch(
      /^Queue 'jobs' delayed: oldest pending item waiting 12\d min \(limit 60 min\)$/,
    );
    const reset = remedy('reset_processing_status');
    expect(reset.describe(f)).toBe('Resetting 5 stale processing items to pending...');
    const r = await reset.run(f, remedyContext(ctx, check));
    expect(r.details).toBe('Reset 4 stale processing items to pending, moved 1 to DLQ (jobs_dlq)');
    expect(await count(`status = 'processing'`)).toBe(2);
    expect(await count(`status = 'pending' AND attempts = 2`)).toBe(4);
    expect((await totals()).sum).toBe(10);
    // The three old pending rows still wait, and nothing stale is left to reset: reported for a person.
    const still = onlyFinding((await check.run(ctx)).findings);
    expect(still.code).toBe('queue_delay');
    expect(still.manual).toMatch(/^No processing item is older than 30 min/);
  });

  it('without a dead-letter table, exhausted rows get the dead status (no row leaves the table)', async () => {
    await add(12, 'failed', 1, '1 hour');
    await add(3, 'failed', 6, '1 hour');
    const { ctx } = context();
    const check = checkOf(queueCheck, 'q', { table: 'jobs', max_stuck: 10 });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(remedy('requeue_failed_items').describe(f)).toBe('Resetting 12 items, marking 3 dead...');
    const r = await remedy('requeue_failed_items').run(f, remedyContext(ctx, check));
    expect(r.details).toBe('Reset 12 items to pending, marked 3 dead');
    expect(await count(`status = 'dead' AND attempts = 6`)).toBe(3);
    expect(await count('true')).toBe(15);
  });

  it('a dead-letter table missing a queue column is refused and the whole transaction rolls back', async () => {
    await sql(
      `CREATE TABLE jobs_dlq_narrow (id int PRIMARY KEY, status text, attempts int, created_at timestamptz, updated_at timestamptz)`,
    );
    await add(12, 'failed', 1, '1 hour');
    await add(3, 'failed', 6, '1 hour');
    const { ctx } = context();
    const check = checkOf(queueCheck, 'q', { ...OPTIONS, dead_letter_table: 'jobs_dlq_narrow' });
    const f = onlyFinding((await check.run(ctx)).findings);
    await expect(remedy('requeue_failed_items').run(f, remedyContext(ctx, check))).rejects.toThrow(
      "Dead-letter table 'jobs_dlq_narrow' lacks the queue's column(s) payload: add them so no data is lost",
    );
    // The requeue of the 12 rows in the same transaction was rolled back too.
    expect(await count(`status = 'failed'`)).toBe(15);
    expect(await count('true', 'jobs_dlq_narrow')).toBe(0);
  });

  it('works with a schema-qualified table and custom column names and statuses', async () => {
    await sql(`CREATE SCHEMA work; CREATE TABLE work.sync_queue (
      job_id bigserial PRIMARY KEY, state text, tries int, enqueued_at timestamptz, changed_at timestamptz)`);
    await sql(`CREATE TABLE work.sync_dead (LIKE work.sync_queue INCLUDING ALL)`);
    await sql(`INSERT INTO work.sync_queue (state, tries, enqueued_at, changed_at)
               SELECT CASE WHEN g <= 4 THEN 'error' ELSE 'running' END, CASE WHEN g = 1 THEN 9 ELSE 0 END,
                      now() - interval '1 day', now() - interval '2 hours' FROM generate_series(1, 6) g`);
    const { ctx } = context();
    const check = checkOf(queueCheck, 'custom', {
      table: 'work.sync_queue',
      dead_letter_table: 'work.sync_dead',
      id_column: 'job_id',
      status_column: 'state',
      attempts_column: 'tries',
      created_at_column: 'enqueued_at',
      updated_at_column: 'changed_at',
      statuses: { pending: 'new', processing: 'running', failed: 'error', dead: 'buried' },
      max_stuck: 3,
    });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.evidence).toMatchObject({ failed: 4, stale_processing: 2, requeueable: 5, exhausted: 1 });
    const r = await remedy('requeue_failed_items').run(f, remedyContext(ctx, check));
    expect(r.data).toMatchObject({ requeued: 5, dead_lettered: 1 });
    expect(
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM work.sync_queue WHERE state = 'new' AND tries = 1`,
        )
      )[0].n,
    ).toBe(5);
    expect(
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM work.sync_dead WHERE tries = 9`))[0].n,
    ).toBe(1);
  });

  it('refuses protected tables: at load (validateQueueConfig) and at run time', async () => {
    const config = configSchema.parse({});
    expect(validateQueueConfig({ table: 'users' }, config)).toEqual([
      "table 'users' is a protected table (protected.tables): a queue check may not change it",
    ]);
    expect(validateQueueConfig({ table: 'jobs', dead_letter_table: 'public.Roles' }, config)).toEqual([
      "dead_letter_table 'public.Roles' is a protected table (protected.tables): a queue check may not change it",
    ]);
    expect(validateQueueConfig({ table: 'jobs', dead_letter_table: 'jobs_dlq' }, config)).toEqual([]);
    expect(validateQueueConfig({ table: 'jobs', dead_letter_table: 'JOBS' }, config)).toEqual([
      "dead_letter_table 'JOBS' is the queue table itself: use a separate table",
    ]);
    expect(
      validateQueueConfig(
        { table: 'jobs', statuses: { pending: 'new', processing: 'new', failed: 'failed', dead: 'dead' } },
        config,
      ),
    ).toEqual(["statuses.processing and statuses.pending are both 'new': each status needs its own value"]);

    await add(20, 'failed', 1, '1 hour');
    const { ctx } = context();
    const protectedConfig = { protected: { tables: ['jobs'] } };
    const check = checkOf(queueCheck, 'q', OPTIONS, protectedConfig);
    const f: Finding = onlyFinding((await check.run(ctx)).findings);
    expect(f.manual).toMatch(/protected/);
    await expect(
      remedy('requeue_failed_items').run(f, remedyContext(ctx, check, { protected: { tables: ['jobs'] } })),
    ).rejects.toThrow("Table 'jobs' is protected (protected.tables): refusing to change it");
    expect(await count(`status = 'failed'`)).toBe(20);
  });

  it('rejects table and column names that are not plain identifiers', () => {
    expect(queueCheck.options.safeParse({ table: 'jobs; DROP TABLE users' }).success).toBe(false);
    expect(queueCheck.options.safeParse({ table: 'jobs', status_column: 'status"--' }).success).toBe(false);
    expect(queueCheck.options.safeParse({ table: 'a.b.c' }).success).toBe(false);
    expect(queueCheck.options.safeParse({ table: 'work.jobs_2' }).success).toBe(true);
  });
});
