// A job queue kept in a PostgreSQL table (e.g. a sync queue). The only place
// with the queue's SQL. Every change is one bounded transaction (LIMIT, FOR UPDATE SKIP LOCKED, so
// rows a worker holds are left alone) that reports its row counts, and no row is ever lost:
// dead-lettering moves rows with a single `DELETE … RETURNING` feeding an `INSERT`, so the two
// counts cannot differ.
import type { PostgresTarget, QueryFn } from './postgres/index.js';
import { quoteIdent, quoteQualified } from './sql-identifiers.js';

export interface QueueStatuses {
  pending: string;
  processing: string;
  failed: string;
  dead: string;
}

export interface QueueTableSpec {
  table: string;
  idColumn: string;
  statusColumn: string;
  updatedAtColumn: string;
  createdAtColumn: string;
  attemptsColumn: string;
  statuses: QueueStatuses;
  /** Rows past their attempts move here; without it they get the `dead` status. */
  deadLetterTable?: string;
}

export interface QueueStats {
  total: number;
  pending: number;
  processing: number;
  failed: number;
  dead: number;
  /** Processing rows not updated for `stuckAfterSeconds`. */
  staleProcessing: number;
  /** Failed + stale processing rows still under the attempt limit (requeue candidates). */
  requeueable: number;
  /** Failed + stale processing rows at or past the attempt limit (dead-letter candidates). */
  exhaustedStuck: number;
  /** Pending rows at or past the attempt limit. */
  exhaustedPending: number;
  /**
   * How long the longest-waiting pending row has waited since it was (re)queued (updated_at, else
   * created_at) — a requeued old job starts waiting anew. null when nothing is pending.
   */
  oldestPendingSeconds: number | null;
}

export interface QueueProgress {
  /** Pending rows that have waited longer than the window. */
  waiting: number;
  /** Rows a worker touched within the window (any status but pending and dead). */
  processed: number;
  /** Seconds since a worker last touched a row, null when it never did. */
  lastProgressSeconds: number | null;
}

export interface RecycleResult {
  /** Rows put back to pending (attempts + 1). */
  requeued: number;
  /** Rows moved to the dead-letter table (or marked dead). */
  deadLettered: number;
}

interface Column {
  name: string;
  generated: boolean;
}

export class QueueTable {
  readonly display: string;
  private readonly q: string;
  private readonly id: string;
  private readonly s: string;
  private readonly u: string;
  private readonly c: string;
  private readonly a: string;
  private readonly dlq?: string;

  constructor(
    private readonly pg: PostgresTarget,
    readonly spec: QueueTableSpec,
  ) {
    this.q = quoteQualified(spec.table);
    this.id = quoteIdent(spec.idColumn);
    this.s = quoteIdent(spec.statusColumn);
    this.u = quoteIdent(spec.updatedAtColumn);
    this.c = quoteIdent(spec.createdAtColumn);
    this.a = quoteIdent(spec.attemptsColumn);
    this.dlq = spec.deadLetterTable ? quoteQualified(spec.deadLetterTable) : undefined;
    this.display = `${spec.table} on ${pg.display}`;
  }

  /** When a row last moved (updated_at, else created_at). */
  private get touched(): string {
    return `coalesce(${this.u}, ${this.c})`;
  }

  async stats(t: { stuckAfterSeconds: number; maxAttempts: number }): Promise<QueueStats> {
    const { s, a } = this;
    const stuck = `(${s} = $3 OR (${s} = $2 AND ${this.touched} < now() - make_interval(secs => $5)))`;
    const [row] = await this.pg.query<Record<string, number | null>>(
      `SELECT count(*)::float8 AS total,
              count(*) FILTER (WHERE ${s} = $1)::float8 AS pending,
              count(*) FILTER (WHERE ${s} = $2)::float8 AS processing,
              count(*) FILTER (WHERE ${s} = $3)::float8 AS failed,
              count(*) FILTER (WHERE ${s} = $4)::float8 AS dead,
              count(*) FILTER (WHERE ${s} = $2 AND ${this.touched} < now() - make_interval(secs => $5))::float8 AS stale,
              count(*) FILTER (WHERE ${stuck} AND coalesce(${a}, 0) < $6)::float8 AS requeueable,
              count(*) FILTER (WHERE ${stuck} AND coalesce(${a}, 0) >= $6)::float8 AS exhausted_stuck,
              count(*) FILTER (WHERE ${s} = $1 AND coalesce(${a}, 0) >= $6)::float8 AS exhausted_pending,
              extract(epoch FROM now() - min(${this.touched}) FILTER (WHERE ${s} = $1))::float8 AS oldest
       FROM ${this.q}`,
      [...this.statusParams(), t.stuckAfterSeconds, t.maxAttempts],
    );
    const n = (k: string) => Number(row[k] ?? 0);
    return {
      total: n('total'),
      pending: n('pending'),
      processing: n('processing'),
      failed: n('failed'),
      dead: n('dead'),
      staleProcessing: n('stale'),
      requeueable: n('requeueable'),
      exhaustedStuck: n('exhausted_stuck'),
      exhaustedPending: n('exhausted_pending'),
      oldestPendingSeconds: row.oldest === null ? null : Number(row.oldest),
    };
  }

  /** Whether workers make progress: work waiting longer than the window vs rows touched within it. */
  async progress(windowSeconds: number): Promise<QueueProgress> {
    const { s, u } = this;
    const [row] = await this.pg.query<{ waiting: number; processed: number; last: number | null }>(
      `SELECT count(*) FILTER (WHERE ${s} = $1 AND ${this.touched} < now() - make_interval(secs => $3))::float8 AS waiting,
              count(*) FILTER (WHERE ${s} <> $1 AND ${s} <> $2 AND ${u} >= now() - make_interval(secs => $3))::float8 AS processed,
              extract(epoch FROM now() - max(${u}) FILTER (WHERE ${s} <> $1 AND ${s} <> $2))::float8 AS last
       FROM ${this.q}`,
      [this.spec.statuses.pending, this.spec.statuses.dead, windowSeconds],
    );
    return {
      waiting: Number(row.waiting),
      processed: Number(row.processed),
      lastProgressSeconds: row.last === null ? null : Number(row.last),
    };
  }

  /** Row counts of the queue and its dead-letter table (null without one). */
  async totals(): Promise<{ queue: number; deadLetter: number | null }> {
    const [row] = await this.pg.query<{ q: number; d: number | null }>(
      `SELECT (SELECT count(*) FROM ${this.q})::float8 AS q,
              ${this.dlq ? `(SELECT count(*) FROM ${this.dlq})::float8` : 'NULL::float8'} AS d`,
    );
    return { queue: Number(row.q), deadLetter: row.d === null ? null : Number(row.d) };
  }

  /**
   * `queue_stuck`: failed rows and processing rows untouched for `stuckAfterSeconds` go back to
   * pending (attempts + 1); those at or past `maxAttempts` are dead-lettered instead. One
   * transaction, at most `limit` rows.
   */
  requeueStuck(t: { stuckAfterSeconds: number; maxAttempts: number; limit: number }): Promise<RecycleResult> {
    return this.recycle(
      `${this.s} = $1 OR (${this.s} = $2 AND ${this.touched} < now() - make_interval(secs => $3))`,
      [this.spec.statuses.failed, this.spec.statuses.processing, t.stuckAfterSeconds],
      t,
    );
  }

  /** `queue_delay`: only the stale processing rows, same rules as `requeueStuck`. */
  resetStaleProcessing(t: {
    stuckAfterSeconds: number;
    maxAttempts: number;
    limit: number;
  }): Promise<RecycleResult> {
    return this.recycle(
      `${this.s} = $1 AND ${this.touched} < now() - make_interval(secs => $2)`,
      [this.spec.statuses.processing, t.stuckAfterSeconds],
      t,
    );
  }

  /** `queue_backlog`: pending rows at or past `maxAttempts` are dead-lettered (oldest first). */
  async deadLetterExhaustedPending(t: { maxAttempts: number; limit: number }): Promise<RecycleResult> {
    return this.pg.transaction(async (q) => {
      const rows = await q<{ id: unknown }>(
        `SELECT ${this.id} AS id FROM ${this.q}
         WHERE ${this.s} = $1 AND coalesce(${this.a}, 0) >= $2
         ORDER BY ${this.c}, ${this.id} LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [this.spec.statuses.pending, t.maxAttempts, t.limit],
      );
      const deadLettered = await this.deadLetter(
        q,
        rows.map((r) => r.id),
      );
      return { requeued: 0, deadLettered };
    });
  }

  /** Picks rows matching `where` (params first), then requeues or dead-letters them in one transaction. */
  private recycle(
    where: string,
    params: unknown[],
    t: { maxAttempts: number; limit: number },
  ): Promise<RecycleResult> {
    const n = params.length;
    return this.pg.transaction(async (q) => {
      const rows = await q<{ id: unknown; exhausted: boolean }>(
        `SELECT ${this.id} AS id, coalesce(${this.a}, 0) >= $${n + 1} AS exhausted FROM ${this.q}
         WHERE ${where}
         ORDER BY ${this.touched} NULLS FIRST, ${this.id} LIMIT $${n + 2} FOR UPDATE SKIP LOCKED`,
        [...params, t.maxAttempts, t.limit],
      );
      const again = rows.filter((r) => !r.exhausted).map((r) => r.id);
      const done = rows.filter((r) => r.exhausted).map((r) => r.id);
      let requeued = 0;
      if (again.length) {
        const updated = await q(
          `UPDATE ${this.q} SET ${this.s} = $1, ${this.a} = coalesce(${this.a}, 0) + 1, ${this.u} = now()
           WHERE ${this.id} = ANY($2) RETURNING 1`,
          [this.spec.statuses.pending, again],
        );
        requeued = updated.length;
        if (requeued !== again.length) {
          throw new Error(
            `Queue ${this.display}: requeued ${requeued} of ${again.length} locked rows; rolled back`,
          );
        }
      }
      const deadLettered = await this.deadLetter(q, done);
      return { requeued, deadLettered };
    });
  }

  /** Moves locked rows to the dead-letter table in one statement (or marks them dead). */
  private async deadLetter(q: QueryFn, ids: unknown[]): Promise<number> {
    if (ids.length === 0) return 0;
    let moved: unknown[];
    if (this.dlq) {
      const cols = (await this.transferColumns(q)).map(quoteIdent).join(', ');
      moved = await q(
        `WITH moved AS (DELETE FROM ${this.q} WHERE ${this.id} = ANY($1) RETURNING ${cols})
         INSERT INTO ${this.dlq} (${cols}) OVERRIDING SYSTEM VALUE SELECT ${cols} FROM moved RETURNING 1`,
        [ids],
      );
    } else {
      moved = await q(
        `UPDATE ${this.q} SET ${this.s} = $1, ${this.u} = now() WHERE ${this.id} = ANY($2) RETURNING 1`,
        [this.spec.statuses.dead, ids],
      );
    }
    if (moved.length !== ids.length) {
      throw new Error(
        `Queue ${this.display}: dead-lettered ${moved.length} of ${ids.length} locked rows; rolled back`,
      );
    }
    return moved.length;
  }

  /** The queue's columns, all of which the dead-letter table must have (nothing of a row is lost). */
  private async transferColumns(q: QueryFn): Promise<string[]> {
    const columnsOf = (table: string) =>
      q<Column>(
        `SELECT attname AS name, attgenerated <> '' AS generated FROM pg_attribute
         WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [table],
      );
    const dlqName = this.spec.deadLetterTable ?? '';
    const source = await columnsOf(this.q);
    const target = this.dlq ? await columnsOf(this.dlq) : [];
    if (source.length === 0)
      throw new Error(`Queue table '${this.spec.table}' not found on ${this.pg.display}`);
    if (target.length === 0) {
      throw new Error(
        `Dead-letter table '${dlqName}' not found on ${this.pg.display}: create it with the queue's columns ` +
          `(CREATE TABLE ${dlqName} (LIKE ${this.spec.table} INCLUDING ALL)) or remove dead_letter_table`,
      );
    }
    // Deleting a queue row must not delete or change anything else: refuse when another table's
    // foreign key cascades (or sets null/default) on delete, or a DELETE trigger could act.
    const effects = await q<{ what: string }>(
      `SELECT format('foreign key %s on %s (ON DELETE %s)', conname, conrelid::regclass,
                     CASE confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END) AS what
         FROM pg_constraint WHERE contype = 'f' AND confrelid = to_regclass($1) AND confdeltype IN ('c', 'n', 'd')
       UNION ALL
       SELECT format('trigger %s', tgname) AS what FROM pg_trigger
        WHERE tgrelid = to_regclass($1) AND NOT tgisinternal AND (tgtype & 8) <> 0`,
      [this.q],
    );
    if (effects.length) {
      throw new Error(
        `Queue ${this.display}: moving rows to '${dlqName}' would delete them from the queue, and ${effects
          .map((e) => e.what)
          .join(
            ', ',
          )} would change other data: refused (nothing lost). Remove dead_letter_table to mark rows '${this.spec.statuses.dead}' instead`,
      );
    }
    const byName = new Map(target.map((col) => [col.name, col]));
    const missing = source.filter((col) => !byName.has(col.name)).map((col) => col.name);
    if (missing.length) {
      throw new Error(
        `Dead-letter table '${dlqName}' lacks the queue's column(s) ${missing.join(', ')}: add them so no data is lost`,
      );
    }
    // A column generated in the dead-letter table computes its own value.
    return source.filter((col) => !byName.get(col.name)?.generated).map((col) => col.name);
  }

  private statusParams(): string[] {
    const st = this.spec.statuses;
    return [st.pending, st.processing, st.failed, st.dead];
  }
}
