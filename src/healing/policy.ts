// The healing engine's decisions, as plain data: given a finding, the config and the session so far,
// may it be healed, and how? Guards, dependencies, approvals and retries are decided here too. No
// I/O here (readings such as free disk space come in as data), so every safety rule is testable
// without a server; the engine and healing/heal.ts only carry the decisions out.
import { createHash } from 'node:crypto';
import type { OrixoonConfig, HealingActionConfig } from '../config/schema.js';
import { ISSUE_CATALOG } from '../checks/catalog.js';
import { isProtectedTable } from '../targets/sql-identifiers.js';
import type { ActionCategory, Finding, IssueCode, Outcome, Remedy, Risk } from '../core/types.js';
import type { ApprovalRecord, FindingReport } from '../report/model.js';
import type { LeaseHolder } from '../targets/lease.js';

/** What the session has done so far: counts per category and the last action time per target. */
export interface SessionState {
  used: Record<ActionCategory, number>;
  /** targetKey → epoch ms of the last action (cooldown). Survives across monitor cycles. */
  lastActionAt: Map<string, number>;
}

export function newSessionState(): SessionState {
  return { used: { container: 0, database: 0, other: 0 }, lastActionAt: new Map() };
}

/** The thing an action really touches: the container a remedy restarts, else the finding's target. */
export function actsOn(f: Pick<Finding, 'params' | 'targetKey'>): string {
  if (typeof f.params?.container !== 'string') return f.targetKey;
  // On one of several engines: the same name on another engine is another container.
  const host = f.params.docker_host;
  return typeof host === 'string'
    ? `container:${host}/${f.params.container}`
    : `container:${f.params.container}`;
}

/**
 * What the cooldown is kept per. A container: any action on it (restarts must not thrash, whichever
 * check asks). Anything else (a database, a queue table): per action, so ending idle connections does
 * not hold back ending stuck transactions on the same database, but the same action is not repeated.
 */
export function cooldownKey(f: Pick<Finding, 'params' | 'targetKey'>, action: string | null): string {
  const target = actsOn(f);
  return target.startsWith('container:') ? target : `${target}#${action ?? ''}`;
}

export interface Guards {
  /** Set when free disk is below min_free_disk_mb. */
  lowDisk?: string;
  /** Set when more than max_failing_services targets fail in this phase. */
  systemic?: string;
}

/** Free disk space as the engine measured it, or why it could not. */
export type DiskReading = { freeMb: number; path: string } | { error: string; path: string };

/**
 * The low-disk guard from a free-space reading. Fail closed: a guard that cannot measure does not
 * let healing through.
 */
export function lowDiskGuard(reading: DiskReading, minFreeMb: number): string | undefined {
  if ('error' in reading)
    return `free disk space unknown (statfs ${reading.path}: ${reading.error}): healing disabled`;
  if (reading.freeMb >= minFreeMb) return undefined;
  return `low disk: ${reading.freeMb} MB free on ${reading.path} (< min_free_disk_mb ${minFreeMb}): healing disabled; free disk space first`;
}

/**
 * Findings that are guards too, and the check types that report them: those checks are measured
 * before anything is healed (a host check's low disk disables healing like the engine's own reading).
 */
const GUARD_FINDINGS: ReadonlyArray<{ checkType: string; code: IssueCode; guard: keyof Guards }> = [
  { checkType: 'host', code: 'disk_space_low', guard: 'lowDisk' },
];

/** Whether checks of this type report a guard, so they run before anything is healed. */
export function reportsGuards(checkType: string): boolean {
  return GUARD_FINDINGS.some((g) => g.checkType === checkType);
}

/** The guards a check's findings raise (a host check's low disk). */
export function guardsFromFindings(findings: ReadonlyArray<Pick<Finding, 'code' | 'message'>>): Guards {
  const out: Guards = {};
  for (const g of GUARD_FINDINGS) {
    const f = findings.find((x) => x.code === g.code);
    if (f && g.guard === 'lowDisk')
      out.lowDisk ??= `low disk: ${f.message}: healing disabled; free disk space first`;
  }
  return out;
}

/**
 * The distinct things failing in a check's findings, for the systemic guard: errors only, and not
 * a check that could not run (that says nothing about the service).
 */
export function failingTargets(findings: ReadonlyArray<Finding>): string[] {
  return findings.filter((f) => (f.severity ?? 'error') === 'error' && f.code !== 'check_error').map(actsOn);
}

/**
 * The systemic-failure guard: more distinct targets failing at once than max_failing_services
 * (0 = off) means something shared is broken (the host, the network), and restarting services one
 * by one would only make it worse.
 */
export function systemicGuard(failing: number, maxFailingServices: number): string | undefined {
  if (maxFailingServices === 0 || failing <= maxFailingServices) return undefined;
  return `multiple services failing simultaneously — systemic issue: ${failing} targets failing (> max_failing_services ${maxFailingServices}); healing nothing`;
}

export interface DependencyInput {
  code: IssueCode;
  /** Dependencies (config depends_on, Compose labels) that still fail after their own healing. */
  brokenDeps: string[];
  /** Those of `brokenDeps` outside the selected phases (checked, never healed in this run). */
  unselectedDeps: string[];
  /** safety_limits.prevent_cascade_restarts. */
  preventCascade: boolean;
  /** An action ran on a dependency (the root cause may be healed, so this may pass now). */
  rootActed: boolean;
  /** An action ran on an earlier finding of the same check. */
  checkActed: boolean;
}

/**
 * What happens to a finding given its dependencies: blocked while a root cause is still broken
 * (prevent_cascade_restarts), re-tested first when a root cause or an earlier finding of its check
 * was acted on (it may have gone with it), else healed on its own.
 */
export type DependencyDecision =
  | { kind: 'blocked'; outcome: 'blocked_by_dependency'; reason: string }
  | {
      kind: 'retest';
      /** Wait up to stabilization_timeout_seconds (a root cause was healed), or look once. */
      waitForStabilization: boolean;
      /** The reason when the re-test passes (outcome `recovered`). */
      recoveredReason: string;
    }
  | { kind: 'heal' };

export function dependencyDecision(i: DependencyInput): DependencyDecision {
  if (i.brokenDeps.length && i.preventCascade) {
    return {
      kind: 'blocked',
      outcome: 'blocked_by_dependency',
      reason:
        `root cause not healed: ${i.brokenDeps.join(', ')} still failing (prevent_cascade_restarts)` +
        (i.unselectedDeps.length
          ? `; ${i.unselectedDeps.join(', ')} not in the selected phases, so not healed in this run`
          : ''),
    };
  }
  if ((i.rootActed || i.checkActed) && i.code !== 'check_error') {
    return {
      kind: 'retest',
      waitForStabilization: i.rootActed,
      recoveredReason: i.rootActed
        ? 'passed on re-test after its root cause was healed'
        : 'passed on re-test',
    };
  }
  return { kind: 'heal' };
}

/** Stable id of a finding for approvals: same check, code, target and commit → same id. */
export function approvalId(f: Pick<Finding, 'checkId' | 'code' | 'targetKey'>, sha = ''): string {
  const h = createHash('sha256').update(`${f.checkId}|${f.code}|${f.targetKey}|${sha}`).digest('hex');
  return `ox-${h.slice(0, 10)}`;
}

/**
 * Whether the `approve` input approves a finding: `all`, its approval id, its check id, or
 * `checkId:code`.
 */
export function inputApproves(
  approve: ReadonlySet<string>,
  f: Pick<FindingReport, 'id' | 'checkId' | 'code'>,
): boolean {
  return (
    approve.has('all') || approve.has(f.id) || approve.has(f.checkId) || approve.has(`${f.checkId}:${f.code}`)
  );
}

/**
 * The approval that counts for a finding: the input's first, else a record (from a PR comment)
 * that names this finding's approval id. Undefined = not approved.
 */
export function approvalFor(
  f: Pick<FindingReport, 'id' | 'checkId' | 'code'>,
  approve: ReadonlySet<string>,
  records: ReadonlyArray<ApprovalRecord | undefined>,
  at: string,
): ApprovalRecord | undefined {
  if (inputApproves(approve, f)) return { id: f.id, via: 'input', at };
  return records.find((r) => r?.id === f.id);
}

/** Counts an action (or a dry run's planned one) against the session's limits and cooldown. */
export function countAction(
  session: SessionState,
  category: ActionCategory,
  f: Pick<Finding, 'params' | 'targetKey'>,
  action: string | null,
  now: number,
): void {
  session.used[category]++;
  session.lastActionAt.set(cooldownKey(f, action), now);
}

/**
 * Whether one more attempt of an action already under way may run: the session limit holds for
 * retries too; the cooldown does not (the retry delay paces them).
 */
export function retryLimit(
  config: OrixoonConfig,
  session: SessionState,
  category: ActionCategory,
  key: string,
  now: number,
): string | undefined {
  const noCooldown = { ...config, safety_limits: { ...config.safety_limits, cooldown_seconds: 0 } };
  return limitCheck(noCooldown, session, category, key, now);
}

/**
 * What to do before another attempt, given the finding as the check sees it now: it went (the last
 * action worked more slowly than the re-test waited), it now needs a person, it changed into
 * another problem (not this remedy's to fix), or it is still the same and the action is retried.
 */
export type RetryDecision =
  | { kind: 'healed' }
  | { kind: 'not_healable'; reason: string }
  | { kind: 'changed'; code: IssueCode; message: string }
  | { kind: 'retry'; finding: Finding };

export function retryDecision(now: Finding | 'gone', before: Pick<Finding, 'code'>): RetryDecision {
  if (now === 'gone') return { kind: 'healed' };
  if (now.manual) return { kind: 'not_healable', reason: now.manual };
  if (now.code !== before.code) return { kind: 'changed', code: now.code, message: now.message };
  return { kind: 'retry', finding: now };
}

export interface PolicyInput {
  finding: Finding;
  config: OrixoonConfig;
  remedies: ReadonlyMap<string, Remedy>;
  autoHeal: boolean;
  dryRun: boolean;
  guards: Guards;
  session: SessionState;
  now: number;
  /** Whether an approval exists for this finding (input or PR comment). */
  approved: boolean;
}

export type Decision =
  | {
      kind: 'stop';
      outcome: Outcome;
      reason: string;
      action: string | null;
      risk: Risk;
      plan?: string;
      /** Set for dry_run: the category the planned action would count against (the plan simulates limits). */
      category?: ActionCategory;
    }
  | {
      kind: 'act';
      remedy: Remedy;
      action: string;
      risk: Risk;
      category: ActionCategory;
      attempts: number;
      timeoutMs: number;
      retryDelayMs: number;
      actionConfig: HealingActionConfig;
    };

export function actionConfigFor(config: OrixoonConfig, finding: Finding): HealingActionConfig {
  return config.healing_actions[finding.code] ?? {};
}

export function actionFor(config: OrixoonConfig, finding: Finding): string | null {
  // A finding's own action (a log pattern's fix) wins over the per-code config, which wins over the default.
  return (
    finding.action ?? actionConfigFor(config, finding).action ?? ISSUE_CATALOG[finding.code]?.action ?? null
  );
}

export function riskFor(finding: Finding): Risk {
  return finding.risk ?? ISSUE_CATALOG[finding.code]?.risk ?? 'high';
}

export function requiresConfirmation(config: OrixoonConfig, finding: Finding): boolean {
  return actionConfigFor(config, finding).requires_confirmation ?? riskFor(finding) === 'high';
}

export function limitFor(config: OrixoonConfig, category: ActionCategory): number {
  if (category === 'container') return config.safety_limits.max_container_restarts_per_session;
  if (category === 'database') return config.safety_limits.max_database_operations_per_session;
  return Number.POSITIVE_INFINITY;
}

const LIMIT_NAME: Record<ActionCategory, string> = {
  container: 'max_container_restarts_per_session',
  database: 'max_database_operations_per_session',
  other: '',
};

/** Whether one more action of this category on this target is allowed now; the reason when not. */
export function limitCheck(
  config: OrixoonConfig,
  session: SessionState,
  category: ActionCategory,
  targetKey: string,
  now: number,
): string | undefined {
  const limit = limitFor(config, category);
  if (session.used[category] >= limit) {
    return `session limit reached: ${LIMIT_NAME[category]} = ${limit} (${session.used[category]} used)`;
  }
  const last = session.lastActionAt.get(targetKey);
  const cooldownMs = config.safety_limits.cooldown_seconds * 1000;
  if (last !== undefined && now - last < cooldownMs) {
    const ago = ((now - last) / 1000).toFixed(0);
    return `cooldown: last action on ${targetKey.split('#')[0]} ${ago}s ago (cooldown_seconds = ${config.safety_limits.cooldown_seconds})`;
  }
  return undefined;
}

export function decide(input: PolicyInput): Decision {
  const { finding, config } = input;
  const action = actionFor(config, finding);
  const risk = riskFor(finding);
  const stop = (outcome: Outcome, reason: string, plan?: string): Decision => ({
    kind: 'stop',
    outcome,
    reason,
    action,
    risk,
    plan,
  });

  if (finding.manual) return stop('not_healable', finding.manual);
  if (!action) return stop('not_healable', `no automatic remedy for ${finding.code}: needs a person`);
  const remedy = input.remedies.get(action);
  if (!remedy) return stop('not_healable', `action "${action}" is not available in this version`);

  const actionConfig = actionConfigFor(config, finding);
  if (!input.autoHeal) return stop('disabled', 'auto-heal is off (auto-heal input / --auto-heal)');
  if (!config.auto_healing.enabled) return stop('disabled', 'auto_healing.enabled is false in the config');
  if (actionConfig.enabled === false)
    return stop('disabled', `healing_actions.${finding.code}.enabled is false`);

  if (input.guards.lowDisk) return stop('guarded', input.guards.lowDisk);
  if (input.guards.systemic) return stop('guarded', input.guards.systemic);
  const container = typeof finding.params?.container === 'string' ? finding.params.container : undefined;
  const protectedName = config.protected.containers.find(
    (c) => c === container || finding.targetKey === `container:${c}`,
  );
  if (protectedName)
    return stop('guarded', `container '${protectedName}' is protected (protected.containers): never touched`);
  const table = finding.targetKey.startsWith('table:') ? finding.targetKey.slice('table:'.length) : undefined;
  if (table && isProtectedTable(table, config.protected.tables)) {
    return stop('guarded', `table '${table}' is protected (protected.tables): never touched`);
  }

  const category = finding.category ?? remedy.category;
  const limited = limitCheck(config, input.session, category, cooldownKey(finding, action), input.now);
  if (limited) return stop('limit_reached', limited);

  const plan = `${action} on ${finding.target}: ${remedy.describe(finding)} (because: ${finding.message})`;
  if (requiresConfirmation(config, finding) && !input.approved) {
    return stop('awaiting_approval', `${risk}-risk action ${action} requires confirmation`, plan);
  }
  if (input.dryRun || config.auto_healing.dry_run) {
    return {
      ...(stop('dry_run', 'dry run: nothing was changed', plan) as Extract<Decision, { kind: 'stop' }>),
      category,
    };
  }

  const maxRetries = actionConfig.max_retries ?? 2;
  return {
    kind: 'act',
    remedy,
    action,
    risk,
    category,
    attempts: Math.max(1, Math.min(1 + maxRetries, config.auto_healing.max_healing_attempts)),
    timeoutMs: (actionConfig.timeout_seconds ?? 60) * 1000,
    retryDelayMs: config.auto_healing.retry_delay_seconds * 1000,
    actionConfig,
  };
}

/** Who holds a lease, as a report names it: `org/app run 123 attempt 1`, `monitor on host-1 pid 42`. */
export function describeLeaseHolder(holder: LeaseHolder | null): string {
  if (!holder) return 'another run';
  if ('host' in holder) return `${holder.host} pid ${holder.pid}`;
  return `${holder.repository} run ${holder.runId} attempt ${holder.attempt}`;
}

/** An epoch ms as `HH:MM:SS UTC`. */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

export interface LeaseWaitInput {
  /** The target's lease key. */
  key: string;
  /** Who holds it and until when, as last seen (null when the system does not tell). */
  holder: LeaseHolder | null;
  expiresAt: number | null;
  /** Epoch ms this run began to wait. */
  waitingSince: number;
  now: number;
  /** safety_limits.lease_wait_seconds in ms. */
  waitLimitMs: number;
  /** The run's deadline (epoch ms): no wait goes past it. */
  deadline: number;
  /** 0 ≤ jitter < 1 (Math.random in a run), so waiters spread their polls. */
  jitter: number;
}

/**
 * What a run does about a target another run holds: poll again after a short, jittered pause (a
 * little after the lease's expiry when that comes first), or, once lease_wait_seconds (or the run's
 * deadline) is up, give up: `locked`, naming the holder. It never acts on a held target.
 */
export type LeaseWaitDecision = { kind: 'wait'; pollMs: number } | { kind: 'locked'; reason: string };

/** Polls are 250–500 ms apart: short against an action's seconds, few calls on the target's system. */
export const LEASE_POLL_MS = 250;

export function leaseWaitDecision(i: LeaseWaitInput): LeaseWaitDecision {
  const end = Math.min(i.waitingSince + i.waitLimitMs, i.deadline);
  if (i.now >= end) {
    const waited = Math.max(0, Math.round((i.now - i.waitingSince) / 1000));
    return {
      kind: 'locked',
      reason:
        `locked by ${describeLeaseHolder(i.holder)}` +
        (i.expiresAt !== null ? ` until ${clock(i.expiresAt)}` : '') +
        `: another run is acting on ${i.key}; waited ${waited} s (lease_wait_seconds ${Math.round(i.waitLimitMs / 1000)}), not acted on`,
    };
  }
  let pollMs = LEASE_POLL_MS * (1 + i.jitter);
  // An expiry before the next poll: look right after it (a killed holder frees the target then).
  if (i.expiresAt !== null && i.expiresAt > i.now) pollMs = Math.min(pollMs, i.expiresAt - i.now + 20);
  return { kind: 'wait', pollMs: Math.max(1, Math.min(Math.round(pollMs), end - i.now)) };
}

/** Why a run did not act when the lease could not even be asked for (its system unreachable): fail closed. */
export function leaseUnavailableReason(key: string, error: string): string {
  return `the lease on ${key} could not be taken (${error}): not acted on, since another run might be acting on it`;
}
