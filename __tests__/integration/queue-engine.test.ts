// The queue, logs-pattern and command checks driven by the real engine from a YAML config: stuck
// queue rows are requeued, a deprecated config field is fixed by its pattern's command, a failing
// command check is healed by its heal command — and the report carries the counts.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { parseConfig } from '../../src/config/load.js';
import { runEngine } from '../../src/engine/run.js';
import { SUITE, tempDir } from './workers-support.js';

const PORT = 55503;
let db: PostgresFixture;
let admin: pg.Client;

beforeAll(async () => {
  db = await startPostgres({ name: 'oxw-pg-engine', port: PORT, suite: SUITE });
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await removeSuite(SUITE);
});

describe('engine with queue, log pattern and command checks', () => {
  it('heals all three and reports row counts and pattern effectiveness', async () => {
    await admin.query(`DROP TABLE IF EXISTS sync_queue, sync_dlq;
      CREATE TABLE sync_queue (id serial PRIMARY KEY, status text NOT NULL, attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE sync_dlq (LIKE sync_queue INCLUDING ALL);
      INSERT INTO sync_queue (status, attempts, updated_at)
        SELECT 'failed', CASE WHEN g <= 3 THEN 5 ELSE 1 END, now() - interval '1 hour' FROM generate_series(1, 15) g;`);

    const dir = tempDir('engine');
    copyFileSync(path.resolve('__tests__/fixtures/patterns/deprecated-field.json'), `${dir}/patterns.json`);
    writeFileSync(`${dir}/app.yml`, 'max_conn: 10\ntimeout: 30\n');
    writeFileSync(
      `${dir}/app.log`,
      `${new Date().toISOString()} WARNING Config field 'max_conn' is deprecated\n`,
    );
    const yaml = `
version: 2
targets:
  postgres: { url: "\${OXW_DB_URL}" }
safety_limits: { cooldown_seconds: 0 }
auto_healing: { retry_delay_seconds: 0, stabilization_timeout_seconds: 5 }
phases:
  - name: integrations
    checks:
      - { id: sync, type: queue, table: sync_queue, dead_letter_table: sync_dlq, max_stuck: 10 }
  - name: application
    checks:
      - { id: app-logs, type: logs, file: app.log, patterns_file: patterns.json }
  - name: custom
    checks:
      - { id: marker, type: command, run: "test -f ${dir}/ready", heal: "touch ${dir}/ready", timeout_seconds: 5 }
`;
    const loaded = parseConfig(yaml, `${dir}/orixoon.yml`, { ...process.env, OXW_DB_URL: db.url });
    const lines: string[] = [];
    const report = await runEngine({
      loaded,
      env: process.env,
      sinks: { line: (l) => lines.push(l) },
      timeoutSeconds: 120,
    });

    expect(report.verdict).toBe('healed');
    const outcomes = Object.fromEntries(report.findings.map((f) => [f.code, f.outcome]));
    expect(outcomes).toEqual({ queue_stuck: 'healed', log_pattern: 'healed', command_failed: 'healed' });

    const requeue = report.actions.find((a) => a.action === 'requeue_failed_items')!;
    expect(requeue.success).toBe(true);
    expect(requeue.data).toMatchObject({ requeued: 12, dead_lettered: 3 });
    expect(lines).toContain('🔧 HEALING: Resetting 12 items, moving 3 to DLQ...');
    const rows = (
      await admin.query<{ q: number; d: number }>(
        `SELECT (SELECT count(*) FROM sync_queue WHERE status = 'pending')::int AS q, (SELECT count(*) FROM sync_dlq)::int AS d`,
      )
    ).rows[0];
    expect(rows).toEqual({ q: 12, d: 3 });

    expect(report.patterns).toEqual({
      deprecated_config_field: { matched: 1, fixes_attempted: 1, fixes_worked: 1 },
    });
    expect(report.actions.find((a) => a.action === 'pattern_fix')!.data).toMatchObject({
      pattern: 'deprecated_config_field',
      fixed: true,
    });
    expect(readFileSync(`${dir}/app.yml`, 'utf8')).toBe('max_connections: 10\ntimeout: 30\n');
    expect(report.actions.find((a) => a.action === 'run_heal_command')!.success).toBe(true);
    // The connection string never reaches the report.
    expect(JSON.stringify(report)).not.toContain(db.password);
  });
});
