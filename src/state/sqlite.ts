// The embedded store: one SQLite file (node:sqlite, built into Node 24). WAL lets readers run beside
// a writer; the busy timeout makes a second writer (another run on the same runner) wait its turn
// instead of failing; each run is one IMMEDIATE transaction, so two runs writing at once lose nothing.
// A file SQLite cannot read is moved aside (kept) and a new one started.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
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

/** How long a writer waits for another one before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

const q = queries('');

/** SQLite's codes for a file that is not a database or is damaged. */
const CORRUPT = /SQLITE_NOTADB|SQLITE_CORRUPT|file is not a database|malformed|disk image/i;

export function isCorruption(e: unknown): boolean {
  const err = e as { code?: string; errcode?: number; message?: string };
  // 26 = SQLITE_NOTADB, 11 = SQLITE_CORRUPT (extended codes keep the low byte).
  const base = typeof err?.errcode === 'number' ? err.errcode & 0xff : -1;
  return base === 26 || base === 11 || CORRUPT.test(String(err?.message ?? e));
}

function migrate(db: DatabaseSync): void {
  const steps = migrations('', 'sqlite');
  const version = (): number => Number((db.prepare('PRAGMA user_version').get() as Row).user_version);
  if (version() >= steps.length) return;
  // IMMEDIATE: two processes opening a new file at once; the second waits, then sees the schema.
  db.exec('BEGIN IMMEDIATE');
  try {
    for (let v = version(); v < steps.length; v++) {
      db.exec(steps[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

function open(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    // Reads the header and the schema: a file that is not a database fails here.
    db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
    migrate(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export interface SqliteOpened {
  store: SqliteStore;
  /** Set when an unreadable file was moved aside: where it is now. */
  movedAside?: string;
}

/** Moves an unreadable file (and its journal) aside, kept; where it went. */
function moveAside(path: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = `${path}.corrupt-${stamp}`;
  renameSync(path, aside);
  // Its journal belongs to it: moved with it, so the new file does not replay it.
  for (const ext of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  }
  return aside;
}

export const movedAsideMessage = (path: string, aside: string): string =>
  `The state file ${path} could not be read as a database: moved aside to ${aside} (kept) and a new one started.`;

export function openSqliteStore(path: string, redactor: Redactor, now = new Date()): SqliteOpened {
  mkdirSync(dirname(path), { recursive: true });
  try {
    return { store: new SqliteStore(open(path), path, redactor) };
  } catch (e) {
    if (!isCorruption(e)) throw e;
    const aside = moveAside(path, now);
    return { store: new SqliteStore(open(path), path, redactor), movedAside: aside };
  }
}

export class SqliteStore implements StateStore {
  readonly kind = 'sqlite' as const;

  private readonly notices: string[] = [];

  constructor(
    private db: DatabaseSync,
    readonly location: string,
    private readonly redactor: Redactor,
  ) {}

  takeNotices(): string[] {
    return this.notices.splice(0);
  }

  recordRun(run: RunRow, checks: CheckRow[], events: EventRow[]): Promise<number> {
    try {
      try {
        return Promise.resolve(this.recordSync(run, checks, events));
      } catch (e) {
        // Damage past the first page shows only when a write reaches it: the same recovery as at open,
        // then the run is written to the new file.
        if (!isCorruption(e)) throw e;
        if (this.db.isOpen) this.db.close();
        const aside = moveAside(this.location, new Date());
        this.db = open(this.location);
        this.notices.push(movedAsideMessage(this.location, aside));
        return Promise.resolve(this.recordSync(run, checks, events));
      }
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private recordSync(raw: RunRow, rawChecks: CheckRow[], rawEvents: EventRow[]): number {
    const { run, checks, events } = cleanRows(this.redactor, raw, rawChecks, rawEvents);
    const db = this.db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const key = Number(
        db
          .prepare(q.insertRun)
          .run(
            run.repository,
            run.workflow,
            run.runId,
            run.commit,
            run.startedAt,
            run.endedAt,
            run.verdict,
            Date.now(),
          ).lastInsertRowid,
      );
      const check = db.prepare(q.insertCheck);
      for (const c of checks) check.run(key, c.checkId, c.status, run.startedAt);
      const event = db.prepare(q.insertEvent);
      for (const e of events) {
        event.run(
          key,
          e.at,
          e.checkId,
          e.target,
          e.host,
          e.code,
          e.action,
          e.outcome,
          e.attempts,
          e.durationMs,
          e.error,
        );
      }
      db.exec('COMMIT');
      return key;
    } catch (e) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  targetHistory(t: TargetIdentity, opts: { since: number; lastRuns: number }): Promise<TargetHistory> {
    const host = t.host ?? '';
    const events = (this.db.prepare(q.targetEvents).all(t.checkId, t.target, host, opts.since) as Row[]).map(
      eventOf,
    );
    const runs = this.db.prepare(q.checkRuns).all(t.checkId, opts.lastRuns) as Row[];
    const outcomes = runs.length
      ? (this.db
          .prepare(q.runOutcomes(runs.length))
          .all(t.checkId, t.target, host, ...runs.map((r) => Number(r.run))) as Row[])
      : [];
    return Promise.resolve({ events, runs: targetRuns(runs, outcomes) });
  }

  summary(h: HistoryQuery): Promise<TargetSummary[]> {
    const args = [h.since ?? 0, ...(h.checkId ? [h.checkId] : [])];
    const groups = this.db.prepare(q.summary(!!h.checkId)).all(...args) as Row[];
    const last = this.db.prepare(q.targetLastActions);
    const actions = groups.flatMap(
      (g) =>
        last.all(String(g.check_id), String(g.target), String(g.host), args[0]!, h.lastActions ?? 3) as Row[],
    );
    return Promise.resolve(summariesOf(groups, actions));
  }

  close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
}
