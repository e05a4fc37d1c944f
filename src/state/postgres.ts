// The shared store: PostgreSQL, for many runners writing to one history. Everything lives in its own
// schema (`orixoon`), never in a user's tables. Migrations are applied on first use, in one
// transaction under an advisory lock, so two runners starting at once apply each version once.
import type pg from 'pg';
import { lazyImport } from '../targets/lazy.js';
import type { Redactor } from '../support/redact.js';
import { cleanRows } from './rows.js';
import { eventOf, migrations, queries, summariesOf, targetRuns, type Row } from './sql.js';
import type {
  CheckRow,
  EventRow,
  HistoryQuery,
  RunRow,
  StateStore,
  TargetHistory,
  TargetIdentity,
  TargetSummary,
} from './types.js';

const pgModule = lazyImport(() => import('pg'));

export const SCHEMA = 'orixoon';
/** Key of the advisory lock migrations run under (any constant of our own). */
const MIGRATION_LOCK = 0x0_71_c5_00_01;
export const CONNECT_TIMEOUT_MS = 5_000;
export const QUERY_TIMEOUT_MS = 15_000;

const q = queries(`${SCHEMA}.`);

/** `?` placeholders → `$1, $2, …` (no query here has a `?` inside a literal). */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** The URL without its password, for messages. */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

async function migrate(client: pg.Client): Promise<void> {
  const steps = migrations(`${SCHEMA}.`, 'postgres');
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${SCHEMA}.migrations`,
    );
    for (let v = rows[0]?.v ?? 0; v < steps.length; v++) {
      await client.query(steps[v]!);
      await client.query(`INSERT INTO ${SCHEMA}.migrations (version) VALUES ($1)`, [v + 1]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export async function openPostgresStore(url: string, redactor: Redactor): Promise<PostgresStore> {
  const { default: pgLib } = await pgModule();
  const client = new pgLib.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'orixoon-state',
  });
  // A connection that drops later fails the next query; the error event must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // The history summary groups every row of its window: in memory, not in temporary files (this
    // session only).
    await client.query("SET work_mem = '32MB'");
    await migrate(client);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return new PostgresStore(client, safeLocation(url), redactor);
}

export class PostgresStore implements StateStore {
  readonly kind = 'postgres' as const;
  /** One client: its queries run one after another; a transaction must not interleave with another. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: pg.Client,
    readonly location: string,
    private readonly redactor: Redactor,
  ) {}

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async all(sql: string, args: unknown[]): Promise<Row[]> {
    return (await this.client.query(numbered(sql), args)).rows as Row[];
  }

  recordRun(raw: RunRow, rawChecks: CheckRow[], rawEvents: EventRow[]): Promise<number> {
    const { run, checks, events } = cleanRows(this.redactor, raw, rawChecks, rawEvents);
    return this.serial(async () => {
      await this.client.query('BEGIN');
      try {
        const [row] = await this.all(`${q.insertRun} RETURNING id`, [
          run.repository,
          run.workflow,
          run.runId,
          run.commit,
          run.startedAt,
          run.endedAt,
          run.verdict,
          Date.now(),
        ]);
        const key = Number(row!.id);
        if (checks.length) {
          // One statement per table: a run's rows go in one round trip each.
          await this.client.query(
            `INSERT INTO ${SCHEMA}.checks (run, check_id, status, started_at)
             SELECT $1, c, s, $2 FROM unnest($3::text[], $4::text[]) AS t(c, s)`,
            [key, run.startedAt, checks.map((c) => c.checkId), checks.map((c) => c.status)],
          );
        }
        if (events.length) {
          const col = <K extends keyof EventRow>(k: K): Array<EventRow[K]> => events.map((e) => e[k]);
          await this.client.query(
            `INSERT INTO ${SCHEMA}.events (run, at, check_id, target, host, code, action, outcome, attempts, duration_ms, error)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                      $8::text[], $9::int[], $10::int[], $11::text[])`,
            [
              key,
              col('at'),
              col('checkId'),
              col('target'),
              col('host'),
              col('code'),
              col('action'),
              col('outcome'),
              col('attempts'),
              col('durationMs'),
              col('error'),
            ],
          );
        }
        await this.client.query('COMMIT');
        return key;
      } catch (e) {
        await this.client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  targetHistory(t: TargetIdentity, opts: { since: number; lastRuns: number }): Promise<TargetHistory> {
    const host = t.host ?? '';
    return this.serial(async () => {
      const events = (await this.all(q.targetEvents, [t.checkId, t.target, host, opts.since])).map(eventOf);
      const runs = await this.all(q.checkRuns, [t.checkId, opts.lastRuns]);
      const outcomes = runs.length
        ? await this.all(q.runOutcomes(runs.length), [
            t.checkId,
            t.target,
            host,
            ...runs.map((r) => Number(r.run)),
          ])
        : [];
      return { events, runs: targetRuns(runs, outcomes) };
    });
  }

  summary(h: HistoryQuery): Promise<TargetSummary[]> {
    const args = [h.since ?? 0, ...(h.checkId ? [h.checkId] : [])];
    return this.serial(async () => {
      const groups = await this.all(q.summary(!!h.checkId), args);
      // Each target's last actions by an index walk from its newest row, not a window over every row.
      const actions = groups.length
        ? await this.all(
            `SELECT e.* FROM unnest(?::text[], ?::text[], ?::text[]) AS g(check_id, target, host)
             CROSS JOIN LATERAL (
               SELECT * FROM ${SCHEMA}.events e
               WHERE e.check_id = g.check_id AND e.target = g.target AND e.host = g.host AND e.at >= ?
                 AND e.action IS NOT NULL AND e.attempts > 0
               ORDER BY e.at DESC, e.id DESC LIMIT ?) e`,
            [
              groups.map((g) => String(g.check_id)),
              groups.map((g) => String(g.target)),
              groups.map((g) => String(g.host)),
              h.since ?? 0,
              h.lastActions ?? 3,
            ],
          )
        : [];
      return summariesOf(groups, actions);
    });
  }

  takeNotices(): string[] {
    return [];
  }

  close(): Promise<void> {
    return this.serial(() => this.client.end());
  }
}
