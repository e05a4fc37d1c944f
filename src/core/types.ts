// The contracts every part of Orixoon shares: checks produce findings, remedies act on one target,
// the healing engine alone decides, reporters render the one report model.
/**
 * An issue code: `container_not_running`, `db_pool_exhausted`, … Open on purpose: each check type
 * declares its codes (with default action, risk and title) and the catalog is assembled from them,
 * so a new check type adds codes without editing this file.
 */
export type IssueCode = string;

/** The code of a finding the engine makes itself when a check could not run at all: never healable. */
export const CHECK_ERROR: IssueCode = 'check_error';

export type Risk = 'low' | 'medium' | 'high';

/** Session-limit category an action counts against . */
export type ActionCategory = 'container' | 'database' | 'other';

export const OUTCOMES = [
  'healed',
  'recovered',
  'failed',
  'not_healable',
  'disabled',
  'limit_reached',
  'budget_exhausted',
  'awaiting_approval',
  'dry_run',
  'guarded',
  'blocked_by_dependency',
  /** Another run holds the target's lease (it is acting on it) past lease_wait_seconds. */
  'locked',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Verdict = 'passed' | 'healed' | 'blocked';

/** What a check saw wrong. Plain data: checks never heal. */
export interface Finding {
  code: IssueCode;
  /** The check that produced it. */
  checkId: string;
  /** Human name of the target: a container name, `db`, a URL. */
  target: string;
  /**
   * Stable key of the thing a remedy would act on (`container:redis`, `postgres:db`). Used for
   * cooldown, protection and the systemic-failure guard.
   */
  targetKey: string;
  /** Console line, without the leading emoji: `Docker container 'redis' not running`. */
  message: string;
  /** Measured facts that back the finding (never secrets). */
  evidence: Record<string, unknown>;
  /**
   * What the check knows that its code's healing rule may need but no report shows (the mapped
   * container, a log pattern's fix recipe). Facts only: the rule, not the check, turns them into a plan.
   */
  facts?: Record<string, unknown>;
  /** Only `warning` findings never block under `fail-on: blocked`. Default `error`. */
  severity?: 'error' | 'warning';
  /** Overrides the default action for the code (e.g. a log pattern's own fix). */
  action?: string;
  /** Overrides the default risk for the code. */
  risk?: Risk;
  /** Overrides the session-limit category of the action (a database container restart is a database operation). */
  category?: ActionCategory;
  /** Parameters the remedy needs beyond the check's options (e.g. a log pattern's fix). */
  params?: Record<string, unknown>;
  /** Why it cannot be healed automatically (manual-intervention patterns). */
  manual?: string;
  /** A lasting fix to recommend in the report. */
  recommendation?: string;
}

/** Facts a check exposes to the engine (dependency discovery, reports). */
export interface CheckFacts {
  /** Docker Compose identity of the container the check looked at, when there is one. */
  compose?: { project: string; service: string; dependsOn: string[] };
  /** Container name(s) this check is about (protection, dependency mapping). */
  containers?: string[];
  [key: string]: unknown;
}

export interface CheckResult {
  findings: Finding[];
  facts?: CheckFacts;
  /** Short human description of a passing state, e.g. `running, healthy`. */
  summary?: string;
  /** Lasting-fix advice the check wants in the report even when it passes. */
  recommendations?: string[];
}

/** What a check or remedy may write to the run's log (the run's `Logger` fits it). */
export interface RunLog {
  say(text: string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/**
 * What a check or remedy runs with. The systems (`Targets`) and the process registry are type
 * parameters, so this file imports nothing of the project: checks read them typed through
 * `checks/check-type.ts`, remedies through `healing/remedies/remedy.ts`.
 */
export interface RunContext<Systems = unknown, Processes = unknown> {
  targets: Systems;
  log: RunLog;
  /** Aborted when the whole-run deadline passes. */
  signal: AbortSignal;
  /** Epoch ms of the whole-run deadline. */
  deadline: number;
  env: NodeJS.ProcessEnv;
  /** Directory of the config file (relative paths in checks resolve from it). */
  baseDir: string;
  /** The run's live command process groups: pass it to runShell so a SIGINT/SIGTERM can end them. */
  processes?: Processes;
  /**
   * Registers cleanup that must happen if the run stops (SIGINT/SIGTERM, the deadline) while this
   * work is still in flight, e.g. putting back the files a fix changed. Returns the function that
   * unregisters it: call that once the work has finished or undone itself.
   */
  onCancel?: (hook: CancelHook) => () => void;
}

/** Cleanup run when a run stops with work in flight; bounded in time, errors only reported. */
export type CancelHook = () => void | Promise<void>;

export interface VerifyResult {
  ok: boolean;
  /** e.g. `Redis now responding`, `Container healthy (healthcheck passed)`. */
  detail: string;
}

/** One configured check, ready to run. Built by a check type's `create`. */
export interface Check {
  id: string;
  type: string;
  phase: string;
  /** Check ids this one depends on (config `depends_on`; Compose labels are added by the engine). */
  dependsOn: string[];
  /** The check's validated options (defaults filled in). */
  options: Record<string, unknown>;
  run(ctx: RunContext): Promise<CheckResult>;
  /**
   * True when the check reports at most one finding per target, so any finding on the same target is
   * the same problem in another form (a container that was `container_not_running` and is now
   * `crash_loop` is not fixed). False (default) when findings of one target are independent (a
   * database's pool and its stuck transactions).
   */
  exclusiveFindings?: boolean;
  /**
   * Optional faster re-test after an action: resolve once the finding's condition is gone (or the
   * timeout ends). Without it the engine re-runs `run` on short polls. Must never sleep blindly.
   */
  verify?(finding: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult>;
}

export interface RemedyContext<Systems = unknown, Processes = unknown> extends RunContext<
  Systems,
  Processes
> {
  check: Check;
  /** Milliseconds this action may take (`healing_actions.<code>.timeout_seconds`). */
  timeoutMs: number;
  protected: ProtectedConfig;
  /** The `healing_actions.<code>` entry as configured (thresholds live there too). */
  actionConfig: Record<string, unknown>;
}

export interface RemedyResult {
  /** `Container started successfully`, `Terminated 15 idle connections`. */
  details: string;
  /** Counts and measurements for report.json (`{terminated: 15, pool_percent_after: 45}`). */
  data?: Record<string, unknown>;
  /** Lasting-fix recommendations learned while acting. */
  recommendations?: string[];
}

/** One healing action on one target. It never decides whether it may run; it throws on failure. */
export interface Remedy {
  action: string;
  category: ActionCategory;
  /** How much the action can disturb (the issue code's declared risk decides confirmation). */
  risk?: Risk;
  /** The system it acts on (`docker`, `postgres`, `redis`, `exec`): a key of the run's targets. */
  system?: string;
  /** `Starting redis container...` — shown as `🔧 HEALING: <describe>`. */
  describe(finding: Finding): string;
  run(finding: Finding, ctx: RemedyContext): Promise<RemedyResult>;
}

export interface ProtectedConfig {
  containers: string[];
  database_users: string[];
  tables: string[];
  redis_key_patterns: string[];
}
