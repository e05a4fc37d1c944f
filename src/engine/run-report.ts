// The run's results → the one report model: what a stopped run left undone, each phase's and check's
// status, and the verdict from report/build.ts. Every renderer reads what this returns.
import type { Logger } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { Finding } from '../core/types.js';
import type { CheckReport, FindingReport, PhaseReport, RunReport } from '../report/model.js';
import { buildVerdict, type FailOn } from '../report/build.js';
import type { HealingLedger } from '../healing/heal.js';
import { VERSION } from '../version.js';
import { stopReason, type Interruption } from './interruption.js';
import { checkErrorFinding, type CheckState } from './evaluate.js';
import type { PlannedPhase } from './plan.js';

export interface RunResults {
  started: Date;
  plan: PlannedPhase[];
  planFailed: boolean;
  states: ReadonlyMap<string, CheckState>;
  phaseTimes: ReadonlyMap<string, { started: number; ended?: number }>;
  findings: FindingReport[];
  ledger: HealingLedger;
  errors: string[];
  notes: string[];
  interruption?: Interruption;
  /** A finding's report entry before anything is decided. */
  report(f: Finding, phase: string): FindingReport;
}

export interface RunMode {
  autoHeal: boolean;
  dryRun: boolean;
  discovered: boolean;
  configPath: string | null;
  phases?: string[];
  injected: boolean;
  failOn?: FailOn;
  run?: RunReport['run'];
}

/** Findings for the work a stopped run did not finish, so the report says what was left undone. */
function reportUnfinished(r: RunResults, i: Interruption, log: Logger): void {
  const why = stopReason(i);
  const now = Date.now();
  for (const [fr, since] of r.ledger.inFlight) {
    fr.outcome = 'failed';
    fr.reason = `interrupted while healing: ${why}`;
    fr.durationMs = now - since;
    r.findings.push(fr);
    log.say(`❌ Not finished: ${fr.message} (${why})`);
    log.error(`${fr.code} on ${fr.target} not finished: ${why}`);
  }
  r.ledger.inFlight.clear();
  const known = new Set(r.findings.map((f) => f.id));
  for (const phase of r.plan) {
    for (const c of phase.checks) {
      const st = r.states.get(c.id);
      if (!st || st.done) continue;
      if (!st.result) {
        const f = checkErrorFinding(c, `did not finish: ${why}`);
        const fr = r.report(f, c.phase);
        fr.outcome = 'not_healable';
        fr.reason = `did not finish: ${why}`;
        r.findings.push(fr);
        log.say(`❌ ${f.message}`);
        log.error(f.message);
        continue;
      }
      for (const f of st.result.findings) {
        const fr = r.report(f, c.phase);
        if (known.has(fr.id)) continue;
        fr.reason = `not healed: ${why}`;
        r.findings.push(fr);
        known.add(fr.id);
      }
    }
  }
}

/** Each phase with its checks' statuses; a check resolved on demand is reported under its own phase. */
function phaseReports(r: RunResults, now: number): PhaseReport[] {
  return r.plan.map((phase) => {
    const times = r.phaseTimes.get(phase.name);
    const checks = phase.checks.map((c): CheckReport => {
      const st = r.states.get(c.id)!;
      const own = r.findings.filter((f) => f.checkId === c.id);
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
    return {
      name: phase.name,
      status: checks.some((c) => c.status === 'failed')
        ? 'failed'
        : checks.some((c) => c.status === 'healed')
          ? 'healed'
          : 'passed',
      durationMs: times ? (times.ended ?? now) - times.started : 0,
      checks,
    };
  });
}

export function buildRunReport(r: RunResults, mode: RunMode, log: Logger, redactor: Redactor): RunReport {
  // A run cut off inside a phase: what it left undone and the verdict go outside that phase's section.
  log.endGroup();
  const { errors, ledger } = r;
  if (r.interruption) {
    reportUnfinished(r, r.interruption, log);
    if (!errors.includes(r.interruption.detail)) errors.push(r.interruption.detail);
  }
  const phases = phaseReports(r, Date.now());

  // Fail closed: a plan that could not be built, or a config whose phases hold no check, blocks.
  const checkCount = r.plan.reduce((n, p) => n + p.checks.length, 0);
  const nothingToRun = !mode.injected && checkCount === 0 && !r.planFailed;
  const nothingConfigured = nothingToRun && !mode.discovered;
  if (nothingConfigured) errors.push('No checks to run: the config has phases but no checks in them.');
  // Fail closed here too: a discovered run that found nothing (a wrong DOCKER_HOST, an empty runner)
  // has checked nothing, and a deploy gate that checked nothing does not pass.
  const nothingDiscovered = nothingToRun && mode.discovered;
  if (nothingDiscovered) {
    errors.push(
      'No containers found on the Docker host: nothing was checked. Check DOCKER_HOST / docker-host, or configure phases.',
    );
  }
  const { verdict, deployment, counts, headline } = buildVerdict({
    findings: r.findings,
    failOn: mode.failOn,
    runFailed: r.planFailed || nothingConfigured || nothingDiscovered,
    errors,
    interrupted: r.interruption,
  });

  const { actions } = ledger;
  const successful = actions.filter((a) => a.success).length;
  const finished = new Date();
  log.say('');
  log.say(verdict === 'blocked' ? `🚫 ${headline}` : `✅ ${headline}`);
  log.info(headline);

  const report: RunReport = {
    tool: { name: 'orixoon', version: VERSION },
    startedAt: r.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - r.started.getTime(),
    verdict,
    deployment,
    headline,
    mode: {
      autoHeal: mode.autoHeal,
      dryRun: mode.dryRun,
      discovered: mode.discovered,
      configPath: mode.configPath,
      phases: mode.phases?.length ? mode.phases : null,
    },
    run: mode.run,
    phases,
    findings: r.findings,
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
    recommendations: [...ledger.recommendations],
    errors,
    notes: r.notes,
    approvals: ledger.approvals,
    ...(Object.keys(ledger.patterns).length ? { patterns: ledger.patterns } : {}),
    ...(r.interruption ? { interrupted: r.interruption } : {}),
  };
  return redactor.redactValue(report);
}
