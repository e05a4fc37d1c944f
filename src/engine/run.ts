// The engine: phases in order, a phase's checks concurrently, then every finding healed root causes
// first within the session's limits, re-tested, and given exactly one outcome. The decisions come
// from healing/policy.ts; this file sequences them and does the I/O.
import { formatMillisecondsAsSeconds } from '../support/format.js';
import { createHash } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import type { LoadedConfig } from '../config/load.js';
import { REMEDIES } from '../healing/remedies/registry.js';
import {
  actsOn,
  cooldownKey,
  decide,
  limitCheck,
  newSessionState,
  requiresConfirmation,
  type Guards,
  type SessionState,
} from '../healing/policy.js';
import type {
  ActionRecord,
  ApprovalRecord,
  CheckReport,
  FindingReport,
  HealingEvent,
  PhaseReport,
  RunReport,
} from '../report/model.js';
import { Targets } from '../targets/index.js';
import type { DockerSettings } from '../targets/docker/index.js';
import { ProcessGroups } from '../targets/exec.js';
import { ISSUE_CATALOG } from './catalog.js';
import { Logger, type LogSinks } from '../support/logger.js';
import { buildConfiguredPlan, buildDiscoveredPlan, filterPhases, type PlannedPhase } from './plan.js';
import { Redactor } from '../support/redact.js';
import { registerSecrets } from './secrets.js';
import { deadlineMessage, stopReason, type Interruption } from './interruption.js';
import { buildVerdict } from '../report/build.js';
import type {
  CancelHook,
  Check,
  CheckResult,
  Finding,
  Outcome,
  RemedyContext,
  RunContext,
  VerifyResult,
} from '../core/types.js';
import { VERSION } from '../version.js';

/** Healing lifecycle events, for notifications (Slack / webhook); the type lives with the report model. */
export type { HealingEvent };

/** Looks up an approval for a finding that needs confirmation (PR comments); undefined = not approved. */
export type ApprovalLookup = (finding: FindingReport) => Promise<ApprovalRecord | undefined>;

export interface EngineOptions {
  loaded: LoadedConfig;
  /** The `auto-heal` input / `--auto-heal` flag. Default true. */
  autoHeal?: boolean;
  /** The `dry-run` input; OR-ed with auto_healing.dry_run. */
  dryRun?: boolean;
  /** Subset of phase names to run. */
  phases?: string[];
  /** The `approve` input: approval ids, check ids, `checkId:code`, or `all`. */
  approve?: string[];
  approvalLookup?: ApprovalLookup;
  /** How a user approves a pending action where this run was started (the console's hint). */
  approveHint?: (id: string) => string;
  onHealingEvent?: (event: HealingEvent) => void | Promise<void>;
  /** Whole-run deadline. Default 900 s. */
  timeoutSeconds?: number;
  /**
   * Epoch ms the deadline falls on, when the clock started before the engine (the action counts its
   * GitHub calls too). Default: `timeoutSeconds` from now.
   */
  deadline?: number;
  /** Cancellation (SIGINT/SIGTERM): the run stops its work and reports `blocked`, cancelled. */
  signal?: AbortSignal;
  /** Registry of live command process groups, shared with the entry point's signal handling. */
  processes?: ProcessGroups;
  docker?: Partial<DockerSettings>;
  postgresUrl?: string;
  redisUrl?: string;
  sinks?: LogSinks;
  redactor?: Redactor;
  /** Head commit: part of approval ids so an approval never carries over to another commit. */
  sha?: string;
  run?: RunReport['run'];
  env?: NodeJS.ProcessEnv;
  /**
   * Session state carried across monitor cycles: the monitor process is one session, so its limits
   * and cooldowns hold across cycles (a crash-looping container is not restarted forever).
   */
  session?: SessionState;
  /** The `fail-on` input: whether unresolved warnings block the deployment too. Default `blocked`. */
  failOn?: 'blocked' | 'warning' | 'never';
  /**
   * Issues fed straight to the healing engine (`orixoon heal --issue-file`) instead of running the
   * phases: each names the check that detects and re-tests it. The check runs first, so a stale
   * issue file never causes an action on something that is fine now.
   */
  injectedFindings?: Array<{ code: Finding['code']; check: Check }>;
}

/** The action's way to approve: a PR comment, or the `approve` input. */
export const actionApproveHint = (id: string): string =>
  `/orixoon approve ${id}  (or the approve input: ${id})`;

/** Stable id of a finding for approvals: same check, code, target and commit → same id. */
export function approvalId(f: Pick<Finding, 'checkId' | 'code' | 'targetKey'>, sha = ''): string {
  const h = createHash('sha256').update(`${f.checkId}|${f.code}|${f.targetKey}|${sha}`).digest('hex');
  return `ox-${h.slice(0, 10)}`;
}

const FAILURE_ADVICE: Partial<Record<Finding['code'], string>> = {
  container_not_running: 'Check the container logs (docker logs <name>) for why it exits',
  container_unhealthy: 'Check the healthcheck command and the application logs for the crash cause',
  container_stuck: 'Inspect the container (docker inspect) and the host for hung I/O',
  crash_loop: 'Check application logs for crash cause; fix the image or its config before deploying',
  memory_leak: 'Profile the application memory or raise its memory limit',
  db_unreachable: 'Check the database server logs, its disk and max_connections',
  redis_not_responding: 'Check the Redis server logs and its memory/persistence settings',
  endpoint_down: 'Check the service logs and its dependencies',
};

interface CheckState {
  check: Check;
  first?: Promise<CheckResult>;
  result?: CheckResult;
  durationMs: number;
  resolution?: Promise<boolean>;
  /** Set when any action ran on this check's findings (a later finding of it is re-tested first). */
  acted: boolean;
  /** False for a check outside the `phases` selection: evaluated as a dependency, never healed. */
  selected: boolean;
  /** Its findings were shown on the console (in its phase, or earlier when resolved on demand). */
  printed: boolean;
  /** Every finding of it has its outcome (resolution finished). */
  done?: boolean;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Rejects when the signal aborts first. */
function withSignal<T>(p: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error(`${what}: ${abortReason(signal)}`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error(`${what}: ${abortReason(signal)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (
        signal.removeEventListener('abort', onAbort),
        reject(e instanceof Error ? e : new Error(String(e)))
      ),
    );
  });
}

function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'aborted';
}

const sameFinding = (a: Finding, b: Finding): boolean => a.code === b.code && a.targetKey === b.targetKey;

/** The finding `f` as the check reports it now: the same one, or (exclusive checks) its new form. */
function currentForm(check: Check, findings: Finding[], f: Finding): Finding | undefined {
  return (
    findings.find((x) => sameFinding(x, f)) ??
    (check.exclusiveFindings
      ? findings.find((x) => x.targetKey === f.targetKey && (x.severity ?? 'error') === 'error')
      : undefined)
  );
}

/**
 * Time in-flight work gets, once the run is stopping, to end its commands and undo half-done fixes
 * before the report is built without it. Short after a cancel: the runner kills the step 2.5 s after
 * its SIGTERM.
 */
const SETTLE_MS: Record<Interruption['reason'], number> = { deadline: 2000, cancelled: 800, error: 800 };
/** Bounds for closing connections and for the cancel hooks, so neither can hold the report up. */
const CLOSE_TARGETS_MS = 1000;
const CANCEL_HOOKS_MS = 1000;
/** setTimeout fires at once for anything longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves once the promise settles or the time is up: true when it settled. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return done;
}

export async function runEngine(o: EngineOptions): Promise<RunReport> {
  const started = new Date();
  const env = o.env ?? process.env;
  const redactor = o.redactor ?? new Redactor();
  // Work cut off at the deadline may still be running in the background: once the report is built,
  // its lines no longer reach the console or the healing log of a finished run.
  let open = true;
  const sinks: LogSinks = {
    line: o.sinks?.line && ((t) => open && o.sinks?.line?.(t)),
    event: o.sinks?.event && ((e) => open && o.sinks?.event?.(e)),
    debug: o.sinks?.debug && ((t) => open && o.sinks?.debug?.(t)),
    group: o.sinks?.group && ((t) => open && o.sinks?.group?.(t)),
    endGroup: o.sinks?.endGroup && (() => open && o.sinks?.endGroup?.()),
  };
  const log = new Logger(redactor, sinks);
  const { config } = o.loaded;
  for (const url of [o.postgresUrl, o.redisUrl, config.targets.postgres.url, config.targets.redis.url])
    redactor.add(url);
  registerSecrets(redactor, o.loaded, env, log);

  const timeoutSeconds = o.timeoutSeconds ?? 900;
  const deadline = o.deadline ?? started.getTime() + timeoutSeconds * 1000;
  const controller = new AbortController();
  const signal = controller.signal;
  let interruption: Interruption | undefined;
  let stoppedAt = 0;
  const interrupt = (i: Interruption): void => {
    if (interruption) return;
    interruption = i;
    stoppedAt = Date.now();
    controller.abort(new Error(i.detail));
  };
  const onDeadline = (): void => interrupt({ reason: 'deadline', detail: deadlineMessage(timeoutSeconds) });
  // Not unref'd: a check awaiting a promise that never settles holds no handle of its own, and the
  // process must not exit (silently, as if it had passed) before the deadline has ended the run.
  const timer = setTimeout(onDeadline, Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now())));
  const onCancel = (): void =>
    interrupt({ reason: 'cancelled', detail: o.signal ? abortReason(o.signal) : 'cancelled' });
  o.signal?.addEventListener('abort', onCancel, { once: true });
  if (o.signal?.aborted) onCancel();

  const targets = new Targets(
    {
      docker: {
        host: o.docker?.host ?? config.targets.docker.host,
        tlsVerify: o.docker?.tlsVerify ?? config.targets.docker.tls_verify,
        certPath: o.docker?.certPath ?? config.targets.docker.cert_path,
        timeoutMs: o.docker?.timeoutMs ?? config.targets.docker.timeout_seconds * 1000,
      },
      postgresUrl: o.postgresUrl ?? config.targets.postgres.url,
      redisUrl: o.redisUrl ?? config.targets.redis.url,
    },
    redactor,
  );
  const processes = o.processes ?? new ProcessGroups();
  const cancelHooks = new Set<CancelHook>();
  const ctx: RunContext = {
    targets,
    log,
    signal,
    deadline,
    env,
    baseDir: o.loaded.baseDir,
    processes,
    onCancel: (hook) => {
      cancelHooks.add(hook);
      return () => void cancelHooks.delete(hook);
    },
  };

  const session: SessionState = o.session ?? newSessionState();
  const approve = new Set((o.approve ?? []).map((a) => a.trim()).filter(Boolean));
  const autoHeal = o.autoHeal ?? true;
  const dryRun = (o.dryRun ?? false) || config.auto_healing.dry_run;

  // The run's results so far. The report is built from these whether the work finished or was cut
  // off at the deadline, by a cancel or by an unexpected error.
  const findings: FindingReport[] = [];
  const actions: ActionRecord[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const recommendations = new Set<string>();
  const approvals: ApprovalRecord[] = [];
  const patterns: NonNullable<RunReport['patterns']> = {};
  const phaseTimes = new Map<string, { started: number; ended?: number }>();
  let plan: PlannedPhase[] = [];
  let allChecks: PlannedPhase[] = [];
  let planFailed = false;
  const states = new Map<string, CheckState>();
  /** Findings whose healing has started and not ended, with when it started. */
  const healing = new Map<FindingReport, number>();
  const pendingNotifications: Promise<void>[] = [];
  /** Remedies still running (their own promise, whatever the engine's race decided). */
  const remedies = new Set<Promise<void>>();

  const findingReport = (f: Finding, phase: string): FindingReport => ({
    id: approvalId(f, o.sha),
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
    risk: f.risk ?? ISSUE_CATALOG[f.code].risk,
    attempts: 0,
    durationMs: 0,
  });

  let failure: { error: unknown } | undefined;
  const work = execute().catch((error: unknown) => {
    failure = { error };
  });
  // The hard stop: the work ends, or it is cut off a short settle time after the run is stopped.
  let settleTimer: NodeJS.Timeout | undefined;
  let disarm = (): void => {};
  const cutOff = new Promise<void>((resolve) => {
    const arm = (): void => {
      settleTimer = setTimeout(resolve, SETTLE_MS[interruption?.reason ?? 'deadline']);
    };
    if (signal.aborted) arm();
    else signal.addEventListener('abort', arm, { once: true });
    disarm = () => signal.removeEventListener('abort', arm);
  });
  await Promise.race([work, cutOff]);
  disarm();
  clearTimeout(settleTimer);
  clearTimeout(timer);
  o.signal?.removeEventListener('abort', onCancel);

  if (failure && (failure.error as Error | undefined)?.name === 'ConfigError') {
    open = false;
    await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
    throw failure.error;
  }
  if (failure) {
    const e = failure.error;
    const detail = `unexpected error: ${errorMessage(e)}`;
    errors.push(detail);
    log.say(`💥 ${detail}`);
    log.error(detail);
    if (e instanceof Error && e.stack) log.debug(e.stack);
    interrupt({ reason: 'error', detail });
  }
  // A check that held the main thread past the deadline finished before the timer could fire.
  if (Date.now() >= deadline) onDeadline();
  if (interruption) {
    const left = stoppedAt + SETTLE_MS[interruption.reason] - Date.now();
    await settlesWithin(Promise.all([...remedies]), left);
    await stopUnfinished();
  }
  await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
  const report = buildReport();
  open = false;
  return report;

  /** Ends what is still running after the settle time: command groups, then the cancel hooks. */
  async function stopUnfinished(): Promise<void> {
    const killed = processes.killAll('SIGKILL');
    if (killed.length) log.warn(`Killed ${killed.length} command process group(s) still running`);
    const hooks = [...cancelHooks];
    cancelHooks.clear();
    for (const hook of hooks) {
      const ran = Promise.resolve()
        .then(hook)
        .catch((e: unknown) => {
          errors.push(`cleanup after the stop failed: ${errorMessage(e)}`);
          log.error(`Cleanup after the stop failed: ${errorMessage(e)}`);
        });
      if (!(await settlesWithin(ran, CANCEL_HOOKS_MS))) {
        errors.push(`cleanup after the stop did not finish within ${CANCEL_HOOKS_MS / 1000}s`);
      }
    }
  }

  async function execute(): Promise<void> {
    if (o.loaded.discovered) {
      notes.push(
        o.loaded.path
          ? `Ran on discovered defaults: ${o.loaded.path} configures no phases, so every container on the Docker host was checked.`
          : 'Ran on discovered defaults: no config file, so every container on the Docker host was checked with the default policy.',
      );
    }
    log.info(`Orixoon ${VERSION} started (auto-heal ${autoHeal ? 'on' : 'off'}${dryRun ? ', dry run' : ''})`);

    // Low-disk guard: measured once, before anything is touched.
    const guards: Guards = {};
    try {
      const fs = await statfs('/');
      const freeMb = Math.floor((Number(fs.bavail) * Number(fs.bsize)) / 1024 / 1024);
      if (freeMb < config.safety_limits.min_free_disk_mb) {
        guards.lowDisk = `low disk: ${freeMb} MB free on / (< min_free_disk_mb ${config.safety_limits.min_free_disk_mb}): healing disabled; free disk space first`;
        errors.push(guards.lowDisk);
        log.say(`⚠️ ${guards.lowDisk}`);
        log.warn(guards.lowDisk);
      }
    } catch (e) {
      // Fail closed: a guard that cannot measure does not let healing through.
      guards.lowDisk = `free disk space unknown (statfs /: ${errorMessage(e)}): healing disabled`;
      errors.push(guards.lowDisk);
      log.say(`⚠️ ${guards.lowDisk}`);
      log.warn(guards.lowDisk);
    }

    try {
      allChecks = o.injectedFindings
        ? []
        : o.loaded.discovered
          ? await withSignal(buildDiscoveredPlan(o.loaded, targets), signal, 'discovering containers')
          : buildConfiguredPlan(o.loaded);
      plan = filterPhases(allChecks, o.phases, o.loaded.path ?? 'the config');
    } catch (e) {
      if ((e as Error).name === 'ConfigError') throw e;
      const msg = `Could not build the plan: ${errorMessage(e)}`;
      planFailed = true;
      errors.push(msg);
      log.say(`❌ ${msg}`);
      log.error(msg);
    }

    const selectedIds = new Set(plan.flatMap((p) => p.checks.map((c) => c.id)));
    for (const phase of allChecks)
      for (const check of phase.checks)
        states.set(check.id, {
          check,
          durationMs: 0,
          acted: false,
          selected: selectedIds.has(check.id),
          printed: false,
        });

    // Systemic-failure guard, run-wide: the distinct things failing among every check run so far.
    const failingTargets = new Set<string>();
    let systemicMessage: string | undefined;
    const systemicGuard = (): string | undefined => {
      const max = config.safety_limits.max_failing_services;
      if (systemicMessage || max === 0 || failingTargets.size <= max) return systemicMessage;
      systemicMessage = `multiple services failing simultaneously — systemic issue: ${failingTargets.size} targets failing (> max_failing_services ${max}); healing nothing`;
      errors.push(systemicMessage);
      log.say(`🛑 ${systemicMessage}`);
      log.error(systemicMessage);
      return systemicMessage;
    };
    const countFailing = (r: CheckResult): void => {
      for (const f of r.findings)
        if ((f.severity ?? 'error') === 'error' && f.code !== 'check_error') failingTargets.add(actsOn(f));
    };

    /** Shows a check's first results; a check resolved ahead of its phase says which phase it is from. */
    const printResult = (st: CheckState, early = false): void => {
      if (st.printed || !st.result) return;
      st.printed = true;
      const from = early ? ` (${st.check.phase}, checked early as a dependency)` : '';
      if (!st.result.findings.length) log.say(`✓ ${st.check.id}: ${st.result.summary ?? 'passed'}${from}`);
      for (const f of st.result.findings) {
        log.say(`${f.severity === 'warning' ? '⚠️' : '❌'} ${f.message}${from}`);
        log.info(`Detected issue: ${f.code} (${f.target})`);
      }
    };

    const evaluate = (st: CheckState): Promise<CheckResult> => {
      st.first ??= (async () => {
        const t0 = Date.now();
        let result: CheckResult;
        try {
          result = await withSignal(st.check.run(ctx), signal, `check ${st.check.id}`);
        } catch (e) {
          // Stopped by the deadline or a cancel: it did not fail, it did not finish (and still blocks).
          const why = interruption
            ? `did not finish: ${stopReason(interruption)}`
            : `could not run: ${errorMessage(e)}`;
          result = {
            findings: [
              {
                code: 'check_error',
                checkId: st.check.id,
                target: st.check.id,
                targetKey: `check:${st.check.id}`,
                message: `Check '${st.check.id}' (${st.check.type}) ${why}`,
                evidence: {},
                manual: `the ${st.check.type} check ${why}`,
              },
            ],
          };
        }
        st.durationMs = Date.now() - t0;
        st.result = result;
        if (st.selected) countFailing(result);
        for (const r of result.recommendations ?? []) recommendations.add(r);
        return result;
      })();
      return st.first;
    };

    /** Re-runs a check (poll-driven, short intervals) until the finding is gone or the time is up. */
    const retest = async (check: Check, finding: Finding, timeoutMs: number): Promise<VerifyResult> => {
      const end = Math.min(Date.now() + timeoutMs, deadline);
      if (check.verify) {
        try {
          return await withSignal(
            check.verify(finding, ctx, Math.max(0, end - Date.now())),
            signal,
            're-test',
          );
        } catch (e) {
          return { ok: false, detail: `re-test failed: ${errorMessage(e)}` };
        }
      }
      let wait = 100;
      let last = '';
      for (;;) {
        try {
          const r = await withSignal(check.run(ctx), signal, 're-test');
          const still = currentForm(check, r.findings, finding);
          if (!still)
            return { ok: true, detail: r.summary ? `${check.id}: ${r.summary}` : `${check.id} passed` };
          last = still.message;
        } catch (e) {
          last = errorMessage(e);
        }
        if (Date.now() + wait > end || signal.aborted) return { ok: false, detail: `still failing: ${last}` };
        await delay(wait, signal);
        wait = Math.min(wait * 2, 1000);
      }
    };

    /** Runs the check once more: the finding as it is now, or 'gone'. A check that errors keeps the old one. */
    const redetect = async (check: Check, finding: Finding): Promise<Finding | 'gone'> => {
      try {
        const r = await withSignal(check.run(ctx), signal, 're-check');
        return currentForm(check, r.findings, finding) ?? 'gone';
      } catch {
        return finding;
      }
    };

    /** Every finding of a check as it is now (none when the check cannot run: its first run said so). */
    const redetectAll = async (check: Check): Promise<Finding[]> => {
      try {
        return (await withSignal(check.run(ctx), signal, 're-check')).findings;
      } catch {
        return [];
      }
    };

    const stableTimeoutMs = config.auto_healing.stabilization_timeout_seconds * 1000;
    /** What a re-test of up to `timeoutMs` really gets: never past the run's deadline. */
    const retestBudgetMs = (timeoutMs: number): number =>
      Math.max(0, Math.min(timeoutMs, deadline - Date.now()));

    const isApproved = async (fr: FindingReport): Promise<ApprovalRecord | undefined> => {
      if (
        approve.has('all') ||
        approve.has(fr.id) ||
        approve.has(fr.checkId) ||
        approve.has(`${fr.checkId}:${fr.code}`)
      ) {
        return { id: fr.id, via: 'input', at: new Date().toISOString() };
      }
      if (!o.approvalLookup) return undefined;
      try {
        return await withSignal(o.approvalLookup(fr), signal, 'approval lookup');
      } catch (e) {
        log.say(`⚠️ Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
        log.warn(`Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
        return undefined;
      }
    };

    // Notifications go out in the background (a slow webhook never holds healing up); the run waits
    // for them, bounded by their own timeouts, before it returns.
    const emit = async (event: HealingEvent): Promise<void> => {
      if (!o.onHealingEvent) return;
      pendingNotifications.push(
        Promise.resolve()
          .then(() => o.onHealingEvent?.(event))
          .catch((e: unknown) => {
            log.say(`⚠️ Notification failed (verdict unchanged): ${errorMessage(e)}`);
            log.warn(`Notification failed (verdict unchanged): ${errorMessage(e)}`);
          }),
      );
    };

    /** Takes one finding through the policy and, when allowed, the remedy + re-test loop. */
    const heal = async (
      st: CheckState,
      f: Finding,
      phase: string,
      systemic?: string,
    ): Promise<FindingReport> => {
      const fr = findingReport(f, phase);
      // Listed while in flight: a run cut off now still reports this finding, as interrupted.
      healing.set(fr, Date.now());
      try {
        return await healFinding(fr, st, f, systemic);
      } finally {
        healing.delete(fr);
      }
    };

    const healFinding = async (
      fr: FindingReport,
      st: CheckState,
      f: Finding,
      systemic?: string,
    ): Promise<FindingReport> => {
      const t0 = Date.now();
      if (f.evidence.pattern && typeof f.evidence.pattern === 'string') {
        const p = (patterns[f.evidence.pattern] ??= { matched: 0, fixes_attempted: 0, fixes_worked: 0 });
        p.matched++;
      }
      if (f.recommendation) recommendations.add(f.recommendation);
      const finish = (outcome: Outcome, reason: string): FindingReport => {
        fr.outcome = outcome;
        fr.reason = reason;
        fr.durationMs = Date.now() - t0;
        return fr;
      };
      if (signal.aborted && !f.manual) return finish('failed', `not healed: ${abortReason(signal)}`);

      const approval = requiresConfirmation(config, f) ? await isApproved(fr) : undefined;
      const decision = decide({
        finding: f,
        config,
        remedies: REMEDIES,
        autoHeal,
        dryRun,
        guards: { ...guards, systemic },
        session,
        now: Date.now(),
        approved: approval !== undefined,
      });
      fr.risk = decision.risk;
      fr.action = decision.action;
      if (decision.kind === 'stop') {
        fr.plan = decision.plan;
        switch (decision.outcome) {
          case 'awaiting_approval':
            log.say(`⚠️ Confirmation required (${cap(decision.risk)} risk action): ${decision.plan}`);
            log.say(`   Approve with: ${(o.approveHint ?? actionApproveHint)(fr.id)}`);
            log.warn(`Awaiting approval ${fr.id}: ${decision.plan}`);
            break;
          case 'dry_run':
            log.say(`🔍 DRY RUN: would ${decision.plan}`);
            log.info(`Dry run: would run ${decision.action} on ${f.target}`);
            if (decision.category) {
              session.used[decision.category]++;
              session.lastActionAt.set(cooldownKey(f, decision.action), Date.now());
            }
            break;
          case 'limit_reached':
            log.say(`⛔ Not healed [${f.checkId}] (limit reached): ${decision.reason}`);
            log.warn(`Limit reached for ${f.code} on ${f.target}: ${decision.reason}`);
            break;
          case 'guarded':
            log.say(`🛡️ Not healed [${f.checkId}] (guard): ${decision.reason}`);
            log.warn(`Guard stopped healing of ${f.code} on ${f.target}: ${decision.reason}`);
            break;
          case 'disabled':
            log.say(`⏸️ Not healed [${f.checkId}]: ${decision.reason}`);
            log.info(`Healing disabled for ${f.code}: ${decision.reason}`);
            break;
          default:
            log.say(`🚫 Not healable [${f.checkId}]: ${decision.reason}`);
            log.info(`Not healable: ${f.code} on ${f.target}: ${decision.reason}`);
        }
        return finish(decision.outcome, decision.reason);
      }

      if (approval) {
        fr.approval = approval;
        approvals.push(approval);
        log.say(
          `⚠️ Confirmation required (${cap(decision.risk)} risk action): approved by ${approval.by ?? approval.via}`,
        );
        log.info(`Approval ${fr.id} used (${approval.via}${approval.by ? ` by ${approval.by}` : ''})`);
      }
      const { remedy, action } = decision;
      let lastError = '';
      // The finding as last detected: re-detected before every retry.
      let cur = f;
      // The previous attempt's remedy, still settling when it timed out: never overlap two attempts.
      let previous: Promise<void> | undefined;
      for (let attempt = 1; attempt <= decision.attempts; attempt++) {
        if (attempt > 1) {
          const limited = limitCheck(
            { ...config, safety_limits: { ...config.safety_limits, cooldown_seconds: 0 } },
            session,
            decision.category,
            cooldownKey(cur, action),
            Date.now(),
          );
          if (limited) {
            fr.failure = failure(f, action, attempt - 1, lastError);
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
          await delay(decision.retryDelayMs, signal);
          if (previous) await Promise.race([previous, delay(5000, signal)]);
          if (signal.aborted) break;
          // Re-detect before acting again: the last action may have worked more slowly than the re-test
          // waited, or the failure may have changed (a Redis now LOADING must not be restarted again).
          const again = await redetect(st.check, cur);
          if (again === 'gone') {
            const last = actions.at(-1);
            if (last) {
              last.success = true;
              last.details += '; passed on a later re-check';
            }
            fr.retest = `${st.check.id} passed on re-check before retrying`;
            log.say(`✅ HEALED: ${action} worked after all`);
            log.say(`✓ Re-test: ${fr.retest}`);
            log.success(`Re-test passed: ${fr.retest}`);
            if (typeof f.evidence.pattern === 'string') patterns[f.evidence.pattern]!.fixes_worked++;
            return finish('healed', `${action} succeeded on attempt ${attempt - 1} (confirmed on re-check)`);
          }
          if (again.manual) {
            fr.failure = failure(f, action, attempt - 1, lastError);
            log.say(`🚫 Not retried [${f.checkId}]: ${again.manual}`);
            return finish('not_healable', `not retried: ${again.manual}`);
          }
          if (again.code !== cur.code) {
            // Same target, another problem now (started, then it crash-loops): not this remedy's to fix.
            lastError = `${lastError ? `${lastError}; ` : ''}now ${again.code}: ${again.message}`;
            fr.failure = failure(f, action, attempt - 1, lastError);
            log.say(`✗ Not retried [${f.checkId}]: the failure changed to ${again.code} (${again.message})`);
            sayFailure(f, fr.failure);
            return finish('failed', `${action} did not fix it; the failure changed to ${again.code}`);
          }
          cur = again;
        }
        fr.attempts = attempt;
        session.used[decision.category]++;
        session.lastActionAt.set(cooldownKey(f, decision.action), Date.now());
        st.acted = true;
        const startedAt = new Date();
        log.say(
          `🔧 HEALING: ${remedy.describe(cur)}${attempt > 1 ? ` (attempt ${attempt}/${decision.attempts})` : ''}`,
        );
        log.info(`Starting healing action: ${action}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        await emit({
          kind: 'attempt',
          finding: fr,
          action,
          attempt,
          details: remedy.describe(cur),
          timestamp: startedAt.toISOString(),
        });
        const actionSignal = AbortSignal.any([signal, AbortSignal.timeout(decision.timeoutMs)]);
        const rctx: RemedyContext = {
          ...ctx,
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
        actions.push(record);
        if (typeof f.evidence.pattern === 'string') patterns[f.evidence.pattern]!.fixes_attempted++;
        try {
          const running = remedy.run(cur, rctx);
          const settled = running.then(
            () => undefined,
            () => undefined,
          );
          previous = settled;
          // Cut off by the deadline or a cancel, a remedy may still be stopping its command and
          // putting files back: the run waits for it (bounded) before it reports.
          remedies.add(settled);
          void settled.then(() => remedies.delete(settled));
          const result = await withSignal(running, actionSignal, `${action} on ${f.target}`);
          record.actionMs = Date.now() - startedAt.getTime();
          for (const r of result.recommendations ?? []) recommendations.add(r);
          record.data = result.data;
          // Healed only once the re-test passed: the action finishing proves nothing yet.
          log.say(
            `🔧 Action done (${result.details}), re-testing (up to ${formatMillisecondsAsSeconds(retestBudgetMs(stableTimeoutMs))})…`,
          );
          log.info(`${action} on ${f.target} done: ${result.details}; re-testing`);
          const verified = await retest(st.check, cur, stableTimeoutMs);
          record.durationMs = Date.now() - startedAt.getTime();
          if (verified.ok) {
            record.success = true;
            record.details = `${result.details}; re-test: ${verified.detail}`;
            fr.retest = verified.detail;
            log.say(`✅ HEALED: ${result.details}`);
            log.success(`${action} on ${f.target}: ${result.details}`);
            log.say(`✓ Re-test: ${verified.detail}`);
            log.success(`Re-test passed: ${verified.detail}`);
            if (typeof f.evidence.pattern === 'string') patterns[f.evidence.pattern]!.fixes_worked++;
            await emit({
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
      fr.failure = failure(f, action, fr.attempts, lastError || abortReason(signal));
      sayFailure(f, fr.failure);
      await emit({
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
    };

    /** The failure report, on the console. */
    const sayFailure = (f: Finding, fail: NonNullable<FindingReport['failure']>): void => {
      log.say(`❌ HEALING FAILED: ${f.message}`);
      log.say(`   Attempted: ${fail.attempted}`);
      log.say(`   Error: ${fail.lastError}`);
      log.say(`   Recommendation: ${fail.recommendation}`);
      log.say('   Deployment: BLOCKED for safety');
    };

    const failure = (
      f: Finding,
      action: string,
      attempts: number,
      lastError: string,
    ): NonNullable<FindingReport['failure']> => ({
      attempted: `${action} (${attempts} time${attempts === 1 ? '' : 's'})`,
      attempts,
      lastError: lastError || 'unknown error',
      recommendation: FAILURE_ADVICE[f.code] ?? 'Investigate manually before deploying',
    });

    /** Compose-label dependencies, mapped to the ids of checks looking at those services. */
    const composeDeps = async (st: CheckState): Promise<string[]> => {
      const compose = st.result?.facts?.compose;
      if (!compose?.dependsOn.length) return [];
      const out: string[] = [];
      for (const other of states.values()) {
        if (other === st || other.check.type !== 'container') continue;
        const r = await evaluate(other);
        const oc = r.facts?.compose;
        if (oc && oc.project === compose.project && compose.dependsOn.includes(oc.service))
          out.push(other.check.id);
      }
      return out;
    };

    const phaseOf = (st: CheckState): string => st.check.phase;
    const isError = (f: Finding): boolean => (f.severity ?? 'error') === 'error';

    /**
     * Heals a check's findings after its dependencies are resolved; true when the check ends up passing.
     * Memoized: a dependency in a later phase is resolved on demand and reported under its own phase.
     */
    const resolveCheck = (st: CheckState, trail: string[] = []): Promise<boolean> => {
      st.resolution ??= (async () => {
        const result = await evaluate(st);
        // Outside the selected phases: checked so its dependents know, but never healed or reported.
        if (!st.selected) return !result.findings.some(isError);
        printResult(st, true);
        const depIds = [...new Set([...st.check.dependsOn, ...(await composeDeps(st))])].filter(
          (d) => states.has(d) && !trail.includes(d),
        );
        const brokenDeps: string[] = [];
        let depActed = false;
        for (const d of depIds) {
          const dst = states.get(d)!;
          const ok = await resolveCheck(dst, [...trail, st.check.id]);
          if (!ok) brokenDeps.push(d);
          if (dst.acted) depActed = true;
        }
        let allOk = true;
        for (const f of result.findings) {
          const phase = phaseOf(st);
          const stillThere = async (): Promise<boolean> => {
            if (depActed) {
              log.say(
                `⏳ Re-testing ${st.check.id} now that its root cause was healed (up to ${formatMillisecondsAsSeconds(retestBudgetMs(stableTimeoutMs))})…`,
              );
            }
            const r = await retest(st.check, f, depActed ? stableTimeoutMs : 0);
            if (r.ok) {
              const fr = findingReport(f, phase);
              fr.outcome = 'recovered';
              fr.reason = depActed
                ? 'passed on re-test after its root cause was healed'
                : 'passed on re-test';
              fr.retest = r.detail;
              fr.action = null;
              findings.push(fr);
              log.say(`✓ Re-test: ${r.detail} (recovered)`);
              log.success(`${f.code} on ${f.target} recovered: ${r.detail}`);
              return false;
            }
            return true;
          };
          if (brokenDeps.length && config.safety_limits.prevent_cascade_restarts) {
            const fr = findingReport(f, phase);
            fr.outcome = 'blocked_by_dependency';
            fr.action = null;
            const outside = brokenDeps.filter((d) => !states.get(d)!.selected);
            fr.reason =
              `root cause not healed: ${brokenDeps.join(', ')} still failing (prevent_cascade_restarts)` +
              (outside.length
                ? `; ${outside.join(', ')} not in the selected phases, so not healed in this run`
                : '');
            findings.push(fr);
            log.say(`⛓️ Not healed: ${f.target} depends on ${brokenDeps.join(', ')}, which is still broken`);
            log.warn(`${f.code} on ${f.target} blocked by dependency ${brokenDeps.join(', ')}`);
            allOk = false;
            continue;
          }
          // Re-test first when a root cause or an earlier finding of this check was acted on.
          if ((depActed || st.acted) && f.code !== 'check_error' && !(await stillThere())) continue;
          const fr = await heal(st, f, phase, systemicGuard());
          findings.push(fr);
          if (fr.outcome !== 'healed' && fr.outcome !== 'recovered' && isError(f)) allOk = false;
        }
        // An action can cause what it did not find (requeued rows now over max_pending): one more look.
        if (st.acted && !signal.aborted) {
          const seen = result.findings;
          const again = await redetectAll(st.check);
          for (const f of again.filter((x) => !seen.some((y) => sameFinding(x, y)))) {
            log.say(`❌ ${f.message} (found on re-check after healing)`);
            log.info(`Detected issue after healing: ${f.code} (${f.target})`);
            const fr = await heal(st, f, phaseOf(st), systemicGuard());
            findings.push(fr);
            if (fr.outcome !== 'healed' && fr.outcome !== 'recovered' && isError(f)) allOk = false;
          }
        }
        st.done = true;
        return allOk;
      })();
      return st.resolution;
    };

    // A host check's low disk is the low-disk guard too: measure those before anything is healed.
    const hostChecks = [...states.values()].filter((st) => st.selected && st.check.type === 'host');
    for (const r of await Promise.all(hostChecks.map(evaluate))) {
      const low = r.findings.find((f) => f.code === 'disk_space_low');
      if (low && !guards.lowDisk) {
        guards.lowDisk = `low disk: ${low.message}: healing disabled; free disk space first`;
        errors.push(guards.lowDisk);
        log.warn(guards.lowDisk);
      }
    }

    if (o.injectedFindings) {
      log.group('Healing findings from the issue file');
      for (const { code, check } of o.injectedFindings) {
        const st: CheckState = { check, durationMs: 0, acted: false, selected: true, printed: true };
        const current = (await evaluate(st)).findings.filter(
          (f) => f.code === code || f.code === 'check_error',
        );
        if (!current.length) {
          const note = `${code} on ${check.id}: not present now, nothing to heal`;
          notes.push(note);
          log.say(`✓ ${note}`);
          continue;
        }
        for (const f of current) {
          log.say(`❌ ${f.message}`);
          log.info(`Detected issue: ${f.code}`);
          findings.push(await heal(st, f, check.phase, systemicGuard()));
        }
      }
      log.endGroup();
    }

    for (const [index, phase] of plan.entries()) {
      const times = { started: Date.now(), ended: undefined as number | undefined };
      phaseTimes.set(phase.name, times);
      // One console section per phase (a foldable group in the action). Its findings are healed and
      // re-tested inside it; a dependency from a later phase that this phase needs is checked and
      // healed here too, marked "checked early as a dependency" (the reports list it under its own phase).
      log.group(`Phase ${index + 1}/${plan.length}: ${phase.name}`);
      log.info(`Phase ${phase.name}: running ${phase.checks.length} check(s)`);
      const sts = phase.checks.map((c) => states.get(c.id)!);
      await Promise.all(sts.map(evaluate));
      for (const st of sts) printResult(st);
      systemicGuard();
      // Root causes first: resolving a check resolves its dependencies before it.
      for (const st of sts) await resolveCheck(st);
      times.ended = Date.now();
      log.endGroup();
    }
    await withSignal(Promise.allSettled(pendingNotifications), signal, 'notifications').catch(() => {
      log.warn('Notifications still pending when the run stopped');
    });
  }

  /** Findings for the work a stopped run did not finish, so the report says what was left undone. */
  function reportUnfinished(i: Interruption): void {
    const why = stopReason(i);
    const now = Date.now();
    for (const [fr, since] of healing) {
      fr.outcome = 'failed';
      fr.reason = `interrupted while healing: ${why}`;
      fr.durationMs = now - since;
      findings.push(fr);
      log.say(`❌ Not finished: ${fr.message} (${why})`);
      log.error(`${fr.code} on ${fr.target} not finished: ${why}`);
    }
    healing.clear();
    const known = new Set(findings.map((f) => f.id));
    for (const phase of plan) {
      for (const c of phase.checks) {
        const st = states.get(c.id);
        if (!st || st.done) continue;
        if (!st.result) {
          const f: Finding = {
            code: 'check_error',
            checkId: c.id,
            target: c.id,
            targetKey: `check:${c.id}`,
            message: `Check '${c.id}' (${c.type}) did not finish: ${why}`,
            evidence: {},
            manual: `the ${c.type} check did not finish: ${why}`,
          };
          const fr = findingReport(f, c.phase);
          fr.outcome = 'not_healable';
          fr.reason = `did not finish: ${why}`;
          findings.push(fr);
          log.say(`❌ ${f.message}`);
          log.error(f.message);
          continue;
        }
        for (const f of st.result.findings) {
          const fr = findingReport(f, c.phase);
          if (known.has(fr.id)) continue;
          fr.reason = `not healed: ${why}`;
          findings.push(fr);
          known.add(fr.id);
        }
      }
    }
  }

  function buildReport(): RunReport {
    // A run cut off inside a phase: what it left undone and the verdict go outside that phase's section.
    log.endGroup();
    if (interruption) {
      reportUnfinished(interruption);
      if (!errors.includes(interruption.detail)) errors.push(interruption.detail);
    }
    const now = Date.now();
    // Checks resolved on demand from a later phase are reported under their own phase.
    const phaseReports: PhaseReport[] = [];
    for (const phase of plan) {
      const times = phaseTimes.get(phase.name);
      const pr: PhaseReport = {
        name: phase.name,
        status: 'passed',
        durationMs: times ? (times.ended ?? now) - times.started : 0,
        checks: [],
      };
      phaseReports.push(pr);
      pr.checks = phase.checks.map((c): CheckReport => {
        const st = states.get(c.id)!;
        const own = findings.filter((f) => f.checkId === c.id);
        const status = !own.length
          ? 'passed'
          : own.every((f) => f.outcome === 'healed' || f.outcome === 'recovered' || f.severity === 'warning')
            ? 'healed'
            : 'failed';
        return {
          id: c.id,
          type: c.type,
          phase: c.phase,
          status,
          summary: st.result?.summary,
          durationMs: st.durationMs,
          findings: own.map((f) => f.id),
          dependsOn: c.dependsOn,
        };
      });
      pr.status = pr.checks.some((c) => c.status === 'failed')
        ? 'failed'
        : pr.checks.some((c) => c.status === 'healed')
          ? 'healed'
          : 'passed';
    }

    // Fail closed: a plan that could not be built, or a config whose phases hold no check, blocks.
    const checkCount = plan.reduce((n, p) => n + p.checks.length, 0);
    const nothingConfigured = !o.injectedFindings && !o.loaded.discovered && checkCount === 0 && !planFailed;
    if (nothingConfigured) errors.push('No checks to run: the config has phases but no checks in them.');
    // Fail closed here too: a discovered run that found nothing (a wrong DOCKER_HOST, an empty runner)
    // has checked nothing, and a deploy gate that checked nothing does not pass.
    const nothingDiscovered = !o.injectedFindings && o.loaded.discovered && checkCount === 0 && !planFailed;
    if (nothingDiscovered) {
      errors.push(
        'No containers found on the Docker host: nothing was checked. Check DOCKER_HOST / docker-host, or configure phases.',
      );
    }
    const { verdict, deployment, counts, headline } = buildVerdict({
      findings,
      failOn: o.failOn,
      runFailed: planFailed || nothingConfigured || nothingDiscovered,
      errors,
      interrupted: interruption,
    });

    const successful = actions.filter((a) => a.success).length;
    const finished = new Date();
    log.say('');
    log.say(verdict === 'blocked' ? `🚫 ${headline}` : `✅ ${headline}`);
    log.info(headline);

    const report: RunReport = {
      tool: { name: 'orixoon', version: VERSION },
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      verdict,
      deployment,
      headline,
      mode: {
        autoHeal,
        dryRun,
        discovered: o.loaded.discovered,
        configPath: o.loaded.path,
        phases: o.phases?.length ? o.phases : null,
      },
      run: o.run,
      phases: phaseReports,
      findings,
      actions,
      auto_healing: {
        summary: {
          total_actions: actions.length,
          successful,
          failed: actions.length - successful,
          success_rate: actions.length ? `${((successful / actions.length) * 100).toFixed(1)}%` : 'n/a',
        },
        actions: actions.map((a) => ({
          timestamp: a.timestamp,
          issue: a.issue,
          action: a.action,
          success: a.success,
          details: a.details,
        })),
      },
      counts,
      recommendations: [...recommendations],
      errors,
      notes,
      approvals,
      ...(Object.keys(patterns).length ? { patterns } : {}),
      ...(interruption ? { interrupted: interruption } : {}),
    };
    return redactor.redactValue(report);
  }
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
