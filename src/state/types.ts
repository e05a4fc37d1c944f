// The state store's rows and its one small interface. Both stores (SQLite file, PostgreSQL schema)
// hold the same three tables: a row per run, a row per check of a run, a row per finding with the
// action taken on it. Times are epoch milliseconds.
import type { Outcome, Verdict } from '../core/types.js';

/** The outcome a finding was recorded with. */
export type RecordedOutcome = Outcome;

/** The SQLite state file, relative to the working directory (the CLI, the monitor). */
export const DEFAULT_STATE_PATH = '.orixoon/state.db';

export interface RunRow {
  repository: string | null;
  workflow: string | null;
  /** The CI run's id (GitHub's run id), when known. */
  runId: string | null;
  commit: string | null;
  startedAt: number;
  endedAt: number;
  verdict: Verdict;
}

export interface CheckRow {
  checkId: string;
  status: 'passed' | 'failed' | 'healed';
}

/** A finding and what was done about it. */
export interface EventRow {
  /** When the action started (or the run, when nothing was done). */
  at: number;
  checkId: string;
  /** Human name of the target (container name, `postgres db@host:5432`, URL). */
  target: string;
  /** The Docker engine the target lives on, '' for the default one or a target that is not a container. */
  host: string;
  code: string;
  action: string | null;
  outcome: RecordedOutcome;
  attempts: number;
  durationMs: number;
  /** One line: the last error or why nothing was healed; null when healed. */
  error: string | null;
}

export interface StoredEvent extends EventRow {
  /** The store's key of the run it belongs to. */
  run: number;
}

/** One target: a check's target on one Docker engine. */
export interface TargetIdentity {
  checkId: string;
  target: string;
  host?: string;
}

/** A run of a target's check, newest first, with what happened to the target in it. */
export interface TargetRun {
  run: number;
  startedAt: number;
  /** The check's status in that run. */
  status: CheckRow['status'];
  /** Outcomes of the target's findings in that run (none: the target was healthy). */
  outcomes: RecordedOutcome[];
}

export interface TargetHistory {
  /** Findings of the target since the time asked for, newest first. */
  events: StoredEvent[];
  /** The last runs of the target's check, newest first. */
  runs: TargetRun[];
}

export interface TargetSummary {
  checkId: string;
  target: string;
  host: string;
  findings: number;
  /** Findings an action was tried on. */
  actions: number;
  healed: number;
  /** healed / actions, null when nothing was tried. */
  successRate: number | null;
  /** Mean duration of a successful heal (action and re-test), null when none. */
  meanTimeToHealMs: number | null;
  lastAt: number;
  /** The target's last actions, newest first. */
  lastActions: StoredEvent[];
}

export interface HistoryQuery {
  checkId?: string;
  /** Epoch ms; findings before it are left out. */
  since?: number;
  /** Last actions kept per target (default 3). */
  lastActions?: number;
}

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, with no secret (a file path, or the URL without its password). */
  readonly location: string;
  /** Records a run, its checks and its findings in one transaction; the run's key. */
  recordRun(run: RunRow, checks: CheckRow[], events: EventRow[]): Promise<number>;
  /** A target's findings since `since` and the last `lastRuns` runs of its check. */
  targetHistory(target: TargetIdentity, opts: { since: number; lastRuns: number }): Promise<TargetHistory>;
  /** Per-target counts, success rate, mean time to heal and last actions, most recent first. */
  summary(q: HistoryQuery): Promise<TargetSummary[]>;
  /** Warnings for the report since the last call (a damaged file moved aside while writing). */
  takeNotices(): string[];
  close(): Promise<void>;
}
