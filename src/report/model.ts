// The one report model. The engine fills it; every reporter (console, healing log, report.json, job
// summary, PR comment, check run, notifications) renders it and none recomputes a verdict.
import type { ActionCategory, IssueCode, Outcome, Risk, Verdict } from '../core/types.js';

export interface ActionRecord {
  /** ISO timestamp the action started. */
  timestamp: string;
  /** The finding's message, e.g. `Docker container 'redis' not running`. */
  issue: string;
  code: IssueCode;
  checkId: string;
  target: string;
  action: string;
  category: ActionCategory;
  attempt: number;
  success: boolean;
  /** What happened (`Container started successfully`) or the error. */
  details: string;
  /** The action and its re-test (stabilisation wait), from the start of the action. */
  durationMs: number;
  /** The action alone (the rest of `durationMs` is the re-test); optional, for the heal timeline. */
  actionMs?: number;
  data?: Record<string, unknown>;
}

export interface ApprovalRecord {
  id: string;
  /** `input` (the approve input) or `comment` (a PR comment). */
  via: 'input' | 'comment';
  by?: string;
  at?: string;
  url?: string;
}

export interface FindingReport {
  /** Stable approval id: same finding on the same commit → same id. */
  id: string;
  code: IssueCode;
  checkId: string;
  phase: string;
  target: string;
  message: string;
  severity: 'error' | 'warning';
  evidence: Record<string, unknown>;
  outcome: Outcome;
  /** Why this outcome (e.g. the limit reached, the guard, the failing dependency). */
  reason: string;
  action: string | null;
  risk: Risk;
  attempts: number;
  durationMs: number;
  /** Re-test result line (`Redis now responding`). */
  retest?: string;
  /** What would be / was done and why (dry-run plan, approval request). */
  plan?: string;
  approval?: ApprovalRecord;
  /** Failure report for a heal that failed. */
  failure?: { attempted: string; attempts: number; lastError: string; recommendation: string };
}

/**
 * A healing lifecycle event, for notifications (Slack, webhook): the finding as the report holds it,
 * and the action's name, attempt and result.
 */
export interface HealingEvent {
  kind: 'attempt' | 'success' | 'failure';
  finding: FindingReport;
  action: ActionRecord['action'];
  attempt: ActionRecord['attempt'];
  /** What the action does (attempt), its result with the re-test (success), or the last error (failure). */
  details: ActionRecord['details'];
  timestamp: ActionRecord['timestamp'];
}

export interface CheckReport {
  id: string;
  type: string;
  phase: string;
  name?: string;
  /** `passed` on first run, `failed` when findings remained, `healed` when all its findings were healed or recovered. */
  status: 'passed' | 'failed' | 'healed';
  summary?: string;
  durationMs: number;
  findings: string[];
  dependsOn: string[];
}

export interface PhaseReport {
  name: string;
  status: 'passed' | 'failed' | 'healed';
  durationMs: number;
  checks: CheckReport[];
}

export interface RunReport {
  tool: { name: 'orixoon'; version: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: Verdict;
  /**
   * Whether the step fails and the deployment is held: the verdict under the `fail-on` input
   * (`blocked` by default; `warning` also holds on unresolved warnings; `never` never holds).
   */
  deployment: 'allowed' | 'blocked';
  /** One line: `Deployment: ALLOWED (healed 2 findings)` / `Deployment: BLOCKED (…)`. */
  headline: string;
  mode: {
    autoHeal: boolean;
    dryRun: boolean;
    discovered: boolean;
    configPath: string | null;
    phases: string[] | null;
  };
  /** GitHub context when run as an action. */
  run?: { repository?: string; sha?: string; pr?: number; url?: string; workflow?: string };
  phases: PhaseReport[];
  findings: FindingReport[];
  actions: ActionRecord[];
  auto_healing: {
    summary: { total_actions: number; successful: number; failed: number; success_rate: string };
    actions: Array<{ timestamp: string; issue: string; action: string; success: boolean; details: string }>;
  };
  counts: {
    findings: number;
    healed: number;
    recovered: number;
    failed: number;
    awaitingApproval: number;
    blocked: number;
  };
  recommendations: string[];
  /** Run-level problems (deadline passed, a target unreachable before any check, guard trips). */
  errors: string[];
  /**
   * Set when the run stopped before its work did: the deadline (`timeout-seconds`), a cancel
   * (SIGINT/SIGTERM) or an unexpected error. Such a run is always blocked.
   */
  interrupted?: { reason: 'deadline' | 'cancelled' | 'error'; detail: string };
  notes: string[];
  approvals: ApprovalRecord[];
  /** Pattern effectiveness for log pattern checks: name → {matched, fixed, attempts}. */
  patterns?: Record<string, { matched: number; fixes_attempted: number; fixes_worked: number }>;
  /** Per target found on, its heal history across runs (this run included), when a state store is on. */
  history?: TargetHistoryBlock[];
}

/** A target's heal history across runs, as the report carries it (the state store's view). */
export interface TargetHistoryBlock {
  checkId: string;
  target: string;
  host: string;
  /** The last runs of the target's check, oldest first. */
  strip: string;
  flaky: boolean;
  healedRuns: number;
  ofRuns: number;
  budget: { used: number; max: number | null; left: number | null; windowHours: number };
  /** ISO time the next heal is allowed (backoff or budget), null when it is now. */
  nextHealAllowedAt: string | null;
  /** What the history allows for the next heal of this target. */
  next: 'allow' | 'budget_exhausted' | 'backoff' | 'needs_confirmation';
  reason: string;
}
