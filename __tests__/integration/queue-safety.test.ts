// Dead-lettering deletes rows from the queue table: it is refused when that delete would change other
// data (a cascading foreign key), and nothing is lost either way.
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { runWithConfig } from '../helpers/engine.js';

const SUITE = 'engine-queue';
let db: PostgresFixture;
let admin: pg.Client;

beforeAll(async () => {
  await removeSuite(SUITE);
  db = await startPostgres({ name: 'oxe-q-pg', port: 55620, suite: SUITE });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
}, 120_000);
afterAll(async () => {
  await admin?.end();
  await removeSuite(SUITE);
});

const config = (url: string): string =>
  [
    `targets: { postgres: { url: "${url}" } }`,
    'auto_healing: { max_healing_attempts: 1, stabilization_timeout_seconds: 1 }',
    'phases:',
    '  - name: integrations',
    '    checks:',
    '      - { id: jobs, type: queue, table: jobs, dead_letter_table: jobs_dlq, stuck_after_minutes: 1, max_stuck: 2, max_attempts: 3 }',
  ].join('\n');

test('a cascading foreign key on the queue: dead-lettering is refused, queue, DLQ and child rows unchanged', async () => {
  await admin.query(`
    DROP TABLE IF EXISTS job_logs, jobs, jobs_dlq;
    CREATE TABLE jobs (id serial PRIMARY KEY, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE jobs_dlq (LIKE jobs);
    CREATE TABLE job_logs (id serial PRIMARY KEY, job_id int REFERENCES jobs(id) ON DELETE CASCADE, line text);
    INSERT INTO jobs (status, attempts, updated_at) SELECT 'failed', 5, now() - interval '1 hour' FROM generate_series(1, 6);
    INSERT INTO job_logs (job_id, line) SELECT id, 'log of ' || id FROM jobs;`);
  const r = await runWithConfig(config(db.url));
  const f = r.report.findings.find((x) => x.code === 'queue_stuck')!;
  expect(f.outcome).toBe('failed');
  expect(f.failure!.lastError).toMatch(/foreign key .*job_logs.*ON DELETE CASCADE.*refused/);
  const counts = await admin.query<{ q: number; d: number; l: number }>(
    'SELECT (SELECT count(*) FROM jobs)::int AS q, (SELECT count(*) FROM jobs_dlq)::int AS d, (SELECT count(*) FROM job_logs)::int AS l',
  );
  expect(counts.rows[0]).toEqual({ q: 6, d: 0, l: 6 });
});

test('without the cascade the same rows move to the DLQ, queue + DLQ total unchanged', async () => {
  await admin.query('DROP TABLE job_logs');
  const r = await runWithConfig(config(db.url));
  expect(r.report.findings.find((x) => x.code === 'queue_stuck')!.outcome).toBe('healed');
  const counts = await admin.query<{ q: number; d: number }>(
    'SELECT (SELECT count(*) FROM jobs)::int AS q, (SELECT count(*) FROM jobs_dlq)::int AS d',
  );
  expect(counts.rows[0]).toEqual({ q: 0, d: 6 });
});
