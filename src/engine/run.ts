// The engine: phases in order, a phase's checks concurrently, then every finding healed root causes
// first within the session's limits, re-tested, and given exactly one outcome. The decisions come
// from healing/policy.ts, the attempt loop from healing/heal.ts; this file runs the phases and owns
// the run's lifetime (deadline, cancel, the hard stop, closing connections).
import { statfs } from 'node:fs/promises';
import type { LoadedConfig } from '../config/load.js';
import { REMEDIES } from '../healing/remedies/registry.js';
import {
  failingTargets,
  guardsFromFindings,
  lowDiskGuard,
  newSessionState,
  reportsGuards,
  systemicGuard,
  type DiskReading,
  type Guards,
  type SessionState,
} from '../healing/policy.js';
import { leaseHolderFrom } from '../healing/lease.js';
import { healFinding, newFindingReport, newHealingLedger, type HealContext } from '../healing/heal.js';
import type { ApprovalRecord, FindingReport, HealingEvent, RunReport } from '../report/model.js';
import { Targets } from '../targets/index.js';
import { ProcessGroups } from '../targets/exec.js';
import { Logger, type LogSinks } from '../support/logger.js';
import { Redactor } from '../support/redact.js';
import { delay, errorMessage, settlesWithin } from '../support/abortable.js';
import { buildConfiguredPlan, buildDiscoveredPlan, filterPhases, type PlannedPhase } from './plan.js';
import { registerSecrets } from './secrets.js';
import { stopReason } from './interruption.js';
import { RunLifetime, stopUnfinished } from './lifetime.js';
import { connectionUrls, targetSettings, type ConnectionOverrides } from './connections.js';
import { createEvaluator, newCheckState, type CheckState } from './evaluate.js';
import { createResolver } from './order.js';
import { sayCheckResult, sayGuard, sayRunError } from './console.js';
import { buildRunReport } from './run-report.js';
import type { CancelHook, Check, Finding } from '../core/types.js';
import type { RunContext } from '../checks/check-type.js';
import { VERSION } from '../version.js';
import type { StateStore } from '../state/types.js';

/** Healing lifecycle events, for notifications (Slack / webhook); the type lives with the report model. */
export type { HealingEvent };

/** Looks up an approval for a finding that needs confirmation (PR comments); undefined = not approved. */
export type ApprovalLookup = (finding: FindingReport) => Promise<ApprovalRecord | undefined>;

export interface EngineOptions extends ConnectionOverrides {
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
  /** The heal history across runs: budgets, backoff and flaky targets gate each heal. */
  stateStore?: StateStore;
}

/** The action's way to approve: a PR comment, or the `approve` input. */
export const actionApproveHint = (id: string): string =>
  `/orixoon approve ${id}  (or the approve input: ${id})`;

/** Bound for closing connections, so it cannot hold the report up. */
const CLOSE_TARGETS_MS = 1000;

/** Free space on the filesystem the run works on, for the low-disk guard. */
async function readFreeDisk(path = '/'): Promise<DiskReading> {
  try {
    const fs = await statfs(path);
    return { path, freeMb: Math.floor((Number(fs.bavail) * Number(fs.bsize)) / 1024 / 1024) };
  } catch (e) {
    return { path, error: errorMessage(e) };
  }
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
  for (const url of connectionUrls(o, config)) redactor.add(url);
  registerSecrets(redactor, o.loaded, env, log);

  const timeoutSeconds = o.timeoutSeconds ?? 900;
  const deadline = o.deadline ?? started.getTime() + timeoutSeconds * 1000;
  const lifetime = new RunLifetime({ deadline, timeoutSeconds, cancel: o.signal });
  const { signal, race } = lifetime;

  const targets = new Targets(targetSettings(o, config), redactor);
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

  const autoHeal = o.autoHeal ?? true;
  const dryRun = (o.dryRun ?? false) || config.auto_healing.dry_run;

  // The run's results so far. The report is built from these whether the work finished or was cut
  // off at the deadline, by a cancel or by an unexpected error.
  const findings: FindingReport[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const ledger = newHealingLedger();
  const phaseTimes = new Map<string, { started: number; ended?: number }>();
  let plan: PlannedPhase[] = [];
  let allChecks: PlannedPhase[] = [];
  let planFailed = false;
  const states = new Map<string, CheckState>();
  const pendingNotifications: Promise<void>[] = [];
  const report = (f: Finding, phase: string): FindingReport => newFindingReport(f, phase, o.sha);

  let failure: { error: unknown } | undefined;
  const work = execute().catch((error: unknown) => {
    failure = { error };
  });
  await lifetime.waitOrCutOff(work);

  if (failure && (failure.error as Error | undefined)?.name === 'ConfigError') {
    open = false;
    await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
    throw failure.error;
  }
  if (failure) {
    const e = failure.error;
    const detail = `unexpected error: ${errorMessage(e)}`;
    errors.push(detail);
    sayRunError(log, '💥', detail);
    if (e instanceof Error && e.stack) log.debug(e.stack);
    lifetime.interrupt({ reason: 'error', detail });
  }
  lifetime.checkDeadline();
  const { interruption } = lifetime;
  if (interruption) {
    await settlesWithin(Promise.all([...ledger.running]), lifetime.settleLeftMs());
    await stopUnfinished(processes, cancelHooks, errors, log);
  }
  await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
  const built = buildRunReport(
    { started, plan, planFailed, states, phaseTimes, findings, ledger, errors, notes, interruption, report },
    {
      autoHeal,
      dryRun,
      discovered: o.loaded.discovered,
      configPath: o.loaded.path,
      phases: o.phases,
      injected: !!o.injectedFindings,
      failOn: o.failOn,
      run: o.run,
    },
    log,
    redactor,
  );
  open = false;
  return built;

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
    guards.lowDisk = lowDiskGuard(await readFreeDisk(), config.safety_limits.min_free_disk_mb);
    if (guards.lowDisk) {
      errors.push(guards.lowDisk);
      sayGuard(log, guards.lowDisk, 'warn', '⚠️');
    }

    try {
      allChecks = o.injectedFindings
        ? []
        : o.loaded.discovered
          ? await race.race(buildDiscoveredPlan(o.loaded, targets), 'discovering containers')
          : buildConfiguredPlan(o.loaded);
      plan = filterPhases(allChecks, o.phases, o.loaded.path ?? 'the config');
    } catch (e) {
      if ((e as Error).name === 'ConfigError') throw e;
      const msg = `Could not build the plan: ${errorMessage(e)}`;
      planFailed = true;
      errors.push(msg);
      sayRunError(log, '❌', msg);
    }

    const selectedIds = new Set(plan.flatMap((p) => p.checks.map((c) => c.id)));
    for (const phase of allChecks)
      for (const check of phase.checks) states.set(check.id, newCheckState(check, selectedIds.has(check.id)));

    // Systemic-failure guard, run-wide: the distinct things failing among every check run so far.
    // Once raised it holds for the rest of the run, worded as it was first seen.
    const failing = new Set<string>();
    let systemic: string | undefined;
    const currentGuards = (): Guards => {
      if (!systemic) {
        systemic = systemicGuard(failing.size, config.safety_limits.max_failing_services);
        if (systemic) {
          errors.push(systemic);
          sayGuard(log, systemic, 'error', '🛑');
        }
      }
      return { ...guards, systemic };
    };

    const evaluator = createEvaluator({
      ctx,
      race,
      stopped: () => (lifetime.interruption ? stopReason(lifetime.interruption) : undefined),
      onResult: (st, result) => {
        if (st.selected) for (const t of failingTargets(result.findings)) failing.add(t);
        for (const r of result.recommendations ?? []) ledger.recommendations.add(r);
      },
    });
    const print = (st: CheckState, early = false): void => {
      if (st.printed || !st.result) return;
      st.printed = true;
      sayCheckResult(log, st.check, st.result, early);
    };

    // Notifications go out in the background (a slow webhook never holds healing up); the run waits
    // for them, bounded by their own timeouts, before it returns.
    const emit = (event: HealingEvent): void => {
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
    const hc: HealContext = {
      run: ctx,
      config,
      remedies: REMEDIES,
      session: o.session ?? newSessionState(),
      autoHeal,
      dryRun,
      approve: new Set((o.approve ?? []).map((a) => a.trim()).filter(Boolean)),
      approvalLookup: o.approvalLookup,
      approveHint: o.approveHint ?? actionApproveHint,
      sha: o.sha,
      ledger,
      race: (p, what) => race.race(p, what),
      sleep: (ms) => delay(ms, signal),
      retest: (check, finding, ms) => evaluator.retest(check, finding, ms),
      redetect: (check, finding) => evaluator.redetect(check, finding),
      // Never past the run's deadline.
      retestBudgetMs: (ms) => Math.max(0, Math.min(ms, deadline - Date.now())),
      emit,
      stateStore: o.stateStore,
      leaseHolder: leaseHolderFrom(env),
    };
    const heal = (st: CheckState, f: Finding, phase: string): Promise<FindingReport> =>
      healFinding(hc, st, f, phase, currentGuards());
    const resolveCheck = createResolver({
      states,
      evaluator,
      log,
      signal,
      config,
      findings,
      report,
      heal,
      print,
      retestBudgetMs: hc.retestBudgetMs,
    });

    // Checks that report a guard (a host check's low disk) are measured before anything is healed.
    const guardChecks = [...states.values()].filter((st) => st.selected && reportsGuards(st.check.type));
    for (const r of await Promise.all(guardChecks.map((st) => evaluator.evaluate(st)))) {
      const raised = guardsFromFindings(r.findings);
      if (raised.lowDisk && !guards.lowDisk) {
        guards.lowDisk = raised.lowDisk;
        errors.push(guards.lowDisk);
        sayGuard(log, guards.lowDisk, 'warn');
      }
    }

    if (o.injectedFindings) await healInjected(o.injectedFindings, evaluator.evaluate, heal);

    for (const [index, phase] of plan.entries()) {
      const times = { started: Date.now(), ended: undefined as number | undefined };
      phaseTimes.set(phase.name, times);
      // One console section per phase (a foldable group in the action). Its findings are healed and
      // re-tested inside it; a dependency from a later phase that this phase needs is checked and
      // healed here too, marked "checked early as a dependency" (the reports list it under its own phase).
      log.group(`Phase ${index + 1}/${plan.length}: ${phase.name}`);
      log.info(`Phase ${phase.name}: running ${phase.checks.length} check(s)`);
      const sts = phase.checks.map((c) => states.get(c.id)!);
      await Promise.all(sts.map((st) => evaluator.evaluate(st)));
      for (const st of sts) print(st);
      currentGuards();
      // Root causes first: resolving a check resolves its dependencies before it.
      for (const st of sts) await resolveCheck(st);
      times.ended = Date.now();
      log.endGroup();
    }
    await race.race(Promise.allSettled(pendingNotifications), 'notifications').catch(() => {
      log.warn('Notifications still pending when the run stopped');
    });
  }

  /**
   * `orixoon heal --issue-file`: each issue's check runs first, so a stale issue file never causes
   * an action on something that is fine now.
   */
  async function healInjected(
    injected: NonNullable<EngineOptions['injectedFindings']>,
    evaluate: (st: CheckState) => Promise<{ findings: Finding[] }>,
    heal: (st: CheckState, f: Finding, phase: string) => Promise<FindingReport>,
  ): Promise<void> {
    log.group('Healing findings from the issue file');
    for (const { code, check } of injected) {
      const st = newCheckState(check, true, true);
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
        findings.push(await heal(st, f, check.phase));
      }
    }
    log.endGroup();
  }
}
