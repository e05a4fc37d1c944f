// Carries out the policy's decision on one finding: the attempt loop with its retries, each action
// re-tested until the finding is gone or stabilization_timeout_seconds ends. Nothing is decided here:
// whether to act, whether to retry and what a changed failure means all come from policy.ts.
import { formatMillisecondsAsSeconds } from '../support/format.js';
import { abortReason, errorMessage, withSignal } from '../support/abortable.js';
import type { OrixoonConfig } from '../config/schema.js';
import type { Check, Finding, Outcome, Remedy, VerifyResult } from '../core/types.js';
import type { RemedyContext, RunContext } from '../checks/check-type.js';
import type {
  ActionRecord,
  ApprovalRecord,
  FindingReport,
  HealingEvent,
  RunReport,
} from '../report/model.js';
import {
  approvalFor,
  approvalId,
  cooldownKey,
  countAction,
  decide,
  inputApproves,
  requiresConfirmation,
  retryDecision,
  riskFor,
  retryLimit,
  type Decision,
  type Guards,
  type SessionState,
} from './policy.js';
import type { HeldLease } from './lease.js';
import type { LeaseHolder } from '../targets/lease.js';
import { leaseProblem, takeLease } from './lease-wait.js';
import { failureReport } from './failure.js';
import { sayApprovalUsed, sayFailure, sayStop } from './console.js';
import { applyHealGate } from './budget-gate.js';
import type { StateStore } from '../state/types.js';

/** What a run's healing produced so far: the report is built from it, finished or cut off. */
export interface HealingLedger {
  actions: ActionRecord[];
  approvals: ApprovalRecord[];
  patterns: NonNullable<RunReport['patterns']>;
  recommendations: Set<string>;
  /** Findings whose healing has started and not ended, with when it started. */
  inFlight: Map<FindingReport, number>;
  /** Remedies still running (their own promise, whatever the race against the signal decided). */
  running: Set<Promise<void>>;
}

export function newHealingLedger(): HealingLedger {
  return {
    actions: [],
    approvals: [],
    patterns: {},
    recommendations: new Set(),
    inFlight: new Map(),
    running: new Set(),
  };
}

/** Everything healing needs from the run; the engine supplies the I/O (checks, signal, lookups). */
export interface HealContext {
  run: RunContext;
  config: OrixoonConfig;
  remedies: ReadonlyMap<string, Remedy>;
  session: SessionState;
  autoHeal: boolean;
  dryRun: boolean;
  /** The `approve` input's entries. */
  approve: ReadonlySet<string>;
  /** Reads an approval from elsewhere (PR comments); undefined = none. */
  approvalLookup?: (finding: FindingReport) => Promise<ApprovalRecord | undefined>;
  approveHint: (id: string) => string;
  /** Head commit: part of approval ids. */
  sha?: string;
  ledger: HealingLedger;
  /** Rejects when the run stops first. */
  race<T>(p: Promise<T>, what: string): Promise<T>;
  /** Waits, or less when the run stops. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  retest(check: Check, finding: Finding, timeoutMs: number): Promise<VerifyResult>;
  /** The finding as its check reports it now, or 'gone'. */
  redetect(check: Check, finding: Finding): Promise<Finding | 'gone'>;
  /** What a re-test of up to `timeoutMs` really gets (never past the deadline). */
  retestBudgetMs(timeoutMs: number): number;
  /** A healing event for notifications (sent in the background). */
  emit(event: HealingEvent): void;
  /** The heal history across runs (budgets, backoff, flaky targets); none: session limits only. */
  stateStore?: StateStore;
  /** Who this run is, written on every lease it takes. */
  leaseHolder: LeaseHolder;
  /** 0 ≤ n < 1, spreading the polls of runs waiting for the same lease (Math.random). */
  jitter?: () => number;
}

/** The check a finding came from, and whether any action ran on its findings. */
export interface HealedCheck {
  check: Check;
  acted: boolean;
}

/** A finding's report entry before healing has decided anything. */
export function newFindingReport(f: Finding, phase: string, sha?: string): FindingReport {
  return {
    id: approvalId(f, sha),
    code: f.code,
    checkId: f.checkId,
    phase,
    target: f.target,
    message: f.message,
    severity: f.severity ?? 'error',
    evidence: f.evidence,
    outcome: 'failed',
    reason: '',
    action: null,
    risk: riskFor(f),
    attempts: 0,
    durationMs: 0,
  };
}

/** Takes one finding through the policy and, when allowed, the remedy + re-test loop. */
export async function healFinding(
  hc: HealContext,
  st: HealedCheck,
  f: Finding,
  phase: string,
  guards: Guards,
): Promise<FindingReport> {
  const fr = newFindingReport(f, phase, hc.sha);
  // Listed while in flight: a run cut off now still reports this finding, as interrupted.
  hc.ledger.inFlight.set(fr, Date.now());
  try {
    return await heal(hc, fr, st, f, guards);
  } finally {
    hc.ledger.inFlight.delete(fr);
  }
}

/** The approval for a finding that needs one: the input's, else the lookup's (a failing lookup = none). */
async function findApproval(hc: HealContext, fr: FindingReport): Promise<ApprovalRecord | undefined> {
  const at = new Date().toISOString();
  if (inputApproves(hc.approve, fr) || !hc.approvalLookup) return approvalFor(fr, hc.approve, [], at);
  const { log } = hc.run;
  try {
    return approvalFor(fr, hc.approve, [await hc.race(hc.approvalLookup(fr), 'approval lookup')], at);
  } catch (e) {
    log.say(`⚠️ Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
    log.warn(`Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
    return undefined;
  }
}

async function heal(
  hc: HealContext,
  fr: FindingReport,
  st: HealedCheck,
  f: Finding,
  guards: Guards,
): Promise<FindingReport> {
  const { config, session, ledger } = hc;
  const { log, signal } = hc.run;
  const t0 = Date.now();
  const pattern = typeof f.evidence.pattern === 'string' ? f.evidence.pattern : undefined;
  if (pattern) (ledger.patterns[pattern] ??= { matched: 0, fixes_attempted: 0, fixes_worked: 0 }).matched++;
  if (f.recommendation) ledger.recommendations.add(f.recommendation);
  const finish = (outcome: Outcome, reason: string): FindingReport => {
    fr.outcome = outcome;
    fr.reason = reason;
    fr.durationMs = Date.now() - t0;
    return fr;
  };
  if (signal.aborted && !f.manual) return finish('failed', `not healed: ${abortReason(signal)}`);

  const asked = requiresConfirmation(config, f) ? await findApproval(hc, fr) : undefined;
  const policy = decide({
    finding: f,
    config,
    remedies: hc.remedies,
    autoHeal: hc.autoHeal,
    dryRun: hc.dryRun,
    guards,
    session,
    now: Date.now(),
    approved: asked !== undefined,
  });
  const { decision, approval } = await applyHealGate(hc, f, fr, policy, asked, () => findApproval(hc, fr));
  fr.risk = decision.risk;
  fr.action = decision.action;
  if (decision.kind === 'stop') {
    fr.plan = decision.plan;
    sayStop(log, f, fr, decision, hc.approveHint);
    // A dry run simulates the limits: its planned action counts as if it had run.
    if (decision.outcome === 'dry_run' && decision.category)
      countAction(session, decision.category, f, decision.action, Date.now());
    return finish(decision.outcome, decision.reason);
  }

  if (approval) {
    fr.approval = approval;
    ledger.approvals.push(approval);
    sayApprovalUsed(log, fr, decision.risk, approval);
  }
  // Never act on a target another run holds: take its lease first (waiting for it, first come first
  // served), and look again after a wait, since the other run may have healed it.
  const start = await takeLease(hc, st, f, decision.action);
  if (start.kind === 'stop') {
    log.say(
      `${start.outcome === 'recovered' ? '✅' : '🔒'} ${cap(start.outcome)} [${f.checkId}]: ${start.reason}`,
    );
    if (start.outcome === 'recovered') log.success(`${f.code} on ${f.target}: ${start.reason}`);
    else log.error(`${f.code} on ${f.target} not healed: ${start.reason}`);
    return finish(start.outcome, start.reason);
  }
  try {
    return await attemptLoop(hc, fr, st, start.finding, decision, finish, start.lease);
  } finally {
    await start.lease?.release((m) => leaseProblem(hc, m));
  }
}

function cap(s: string): string {
  return (s.charAt(0).toUpperCase() + s.slice(1)).replace(/_/g, ' ');
}

/** The attempts of one decided action, each re-tested; `lease` (when the target has one) is held throughout. */
async function attemptLoop(
  hc: HealContext,
  fr: FindingReport,
  st: HealedCheck,
  f: Finding,
  decision: Extract<Decision, { kind: 'act' }>,
  finish: (outcome: Outcome, reason: string) => FindingReport,
  lease: HeldLease | undefined,
): Promise<FindingReport> {
  const { config, session, ledger } = hc;
  const { log, signal } = hc.run;
  const pattern = typeof f.evidence.pattern === 'string' ? f.evidence.pattern : undefined;
  const { remedy, action } = decision;
  const stableTimeoutMs = config.auto_healing.stabilization_timeout_seconds * 1000;
  const reTestFor = (): string => formatMillisecondsAsSeconds(hc.retestBudgetMs(stableTimeoutMs));
  let lastError = '';
  // The finding as last detected: re-detected before every retry.
  let cur = f;
  // The previous attempt's remedy, still settling when it timed out: never overlap two attempts.
  let previous: Promise<void> | undefined;
  for (let attempt = 1; attempt <= decision.attempts; attempt++) {
    if (attempt > 1) {
      const limited = retryLimit(config, session, decision.category, cooldownKey(cur, action), Date.now());
      if (limited) {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        return finish(
          'limit_reached',
          `${limited} (after ${attempt - 1} failed attempt${attempt > 2 ? 's' : ''})`,
        );
      }
      log.say(
        `⏳ Attempt ${attempt}/${decision.attempts} of ${action} in ${formatMillisecondsAsSeconds(decision.retryDelayMs)}…`,
      );
      log.info(
        `Retrying ${action} in ${decision.retryDelayMs / 1000}s (attempt ${attempt}/${decision.attempts})`,
      );
      await hc.sleep(decision.retryDelayMs);
      if (previous) await Promise.race([previous, hc.sleep(5000)]);
      if (signal.aborted) break;
      // Taken over after it expired (lease_seconds shorter than a renewal could keep up with): another
      // run may be acting now, so this one stops.
      if (lease?.lost) {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        return finish(
          'locked',
          `not retried: the lease on ${lease.key} expired and was taken over by another run`,
        );
      }
      // Re-detect before acting again: the last action may have worked more slowly than the re-test
      // waited, or the failure may have changed (a Redis now LOADING must not be restarted again).
      const next = retryDecision(await hc.redetect(st.check, cur), cur);
      if (next.kind === 'healed') {
        const last = ledger.actions.at(-1);
        if (last) {
          last.success = true;
          last.details += '; passed on a later re-check';
        }
        fr.retest = `${st.check.id} passed on re-check before retrying`;
        log.say(`✅ HEALED: ${action} worked after all`);
        log.say(`✓ Re-test: ${fr.retest}`);
        log.success(`Re-test passed: ${fr.retest}`);
        if (pattern) ledger.patterns[pattern]!.fixes_worked++;
        return finish('healed', `${action} succeeded on attempt ${attempt - 1} (confirmed on re-check)`);
      }
      if (next.kind === 'not_healable') {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        log.say(`🚫 Not retried [${f.checkId}]: ${next.reason}`);
        return finish('not_healable', `not retried: ${next.reason}`);
      }
      if (next.kind === 'changed') {
        lastError = `${lastError ? `${lastError}; ` : ''}now ${next.code}: ${next.message}`;
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        log.say(`✗ Not retried [${f.checkId}]: the failure changed to ${next.code} (${next.message})`);
        sayFailure(log, f, fr.failure);
        return finish('failed', `${action} did not fix it; the failure changed to ${next.code}`);
      }
      cur = next.finding;
    }
    fr.attempts = attempt;
    countAction(session, decision.category, f, decision.action, Date.now());
    st.acted = true;
    const startedAt = new Date();
    log.say(
      `🔧 HEALING: ${remedy.describe(cur)}${attempt > 1 ? ` (attempt ${attempt}/${decision.attempts})` : ''}`,
    );
    log.info(`Starting healing action: ${action}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    hc.emit({
      kind: 'attempt',
      finding: fr,
      action,
      attempt,
      details: remedy.describe(cur),
      timestamp: startedAt.toISOString(),
    });
    const actionSignal = AbortSignal.any([signal, AbortSignal.timeout(decision.timeoutMs)]);
    const rctx: RemedyContext = {
      ...hc.run,
      signal: actionSignal,
      check: st.check,
      timeoutMs: decision.timeoutMs,
      protected: config.protected,
      actionConfig: decision.actionConfig as Record<string, unknown>,
    };
    const record: ActionRecord = {
      timestamp: startedAt.toISOString(),
      issue: f.message,
      code: f.code,
      checkId: f.checkId,
      target: f.target,
      action,
      category: decision.category,
      attempt,
      success: false,
      details: '',
      durationMs: 0,
    };
    ledger.actions.push(record);
    if (pattern) ledger.patterns[pattern]!.fixes_attempted++;
    try {
      const running = remedy.run(cur, rctx);
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      previous = settled;
      // Cut off by the deadline or a cancel, a remedy may still be stopping its command and
      // putting files back: the run waits for it (bounded) before it reports.
      ledger.running.add(settled);
      void settled.then(() => ledger.running.delete(settled));
      const result = await withSignal(running, actionSignal, `${action} on ${f.target}`);
      record.actionMs = Date.now() - startedAt.getTime();
      for (const r of result.recommendations ?? []) ledger.recommendations.add(r);
      record.data = result.data;
      // Healed only once the re-test passed: the action finishing proves nothing yet.
      log.say(`🔧 Action done (${result.details}), re-testing (up to ${reTestFor()})…`);
      log.info(`${action} on ${f.target} done: ${result.details}; re-testing`);
      const verified = await hc.retest(st.check, cur, stableTimeoutMs);
      record.durationMs = Date.now() - startedAt.getTime();
      if (verified.ok) {
        record.success = true;
        record.details = `${result.details}; re-test: ${verified.detail}`;
        fr.retest = verified.detail;
        log.say(`✅ HEALED: ${result.details}`);
        log.success(`${action} on ${f.target}: ${result.details}`);
        log.say(`✓ Re-test: ${verified.detail}`);
        log.success(`Re-test passed: ${verified.detail}`);
        if (pattern) ledger.patterns[pattern]!.fixes_worked++;
        hc.emit({
          kind: 'success',
          finding: fr,
          action,
          attempt,
          details: record.details,
          timestamp: new Date().toISOString(),
        });
        return finish('healed', `${action} succeeded on attempt ${attempt}`);
      }
      lastError = `action ran (${result.details}) but the re-test still fails: ${verified.detail}`;
      record.details = lastError;
      log.say(`✗ Re-test: ${verified.detail}`);
      log.error(`Re-test failed after ${action}: ${verified.detail}`);
    } catch (e) {
      record.durationMs = Date.now() - startedAt.getTime();
      // A remedy may say what it measured even when it failed (a pattern fix: {pattern, fixed: false}).
      if (e && typeof e === 'object' && 'data' in e)
        record.data = (e as { data?: Record<string, unknown> }).data;
      lastError = errorMessage(e);
      record.details = lastError;
      log.say(`✗ Healing action failed: ${lastError}`);
      log.error(`${action} on ${f.target} failed: ${lastError}`);
    }
    if (signal.aborted) break;
  }
  fr.failure = failureReport(f, action, fr.attempts, lastError || abortReason(signal));
  sayFailure(log, f, fr.failure);
  hc.emit({
    kind: 'failure',
    finding: fr,
    action,
    attempt: fr.attempts,
    details: fr.failure.lastError,
    timestamp: new Date().toISOString(),
  });
  return finish(
    'failed',
    `${action} did not fix it after ${fr.attempts} attempt${fr.attempts === 1 ? '' : 's'}`,
  );
}
