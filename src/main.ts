// The action: inputs → session (config, engine, report files) → GitHub (comment, check run) →
// job summary and outputs → fail the step when the deployment must be blocked. Every path that got
// valid inputs ends with outputs, a job summary, report.json and a completed check run, within the
// deadline: GitHub calls run alongside the checks and are cut off at the deadline, a cancel ends the
// run `blocked`, and an unexpected error ends it `blocked` too.
import * as core from '@actions/core';
import { STATE } from './action-state.js';
import { ConfigError, formatProblem, type ConfigProblem, type LoadedConfig } from './config/load.js';
import { blockedReport, deadlineMessage, type Interruption } from './engine/interruption.js';
import { Redactor } from './support/redact.js';
import { Logger } from './support/logger.js';
import { createGitHubIntegration, type GitHubIntegration } from './github/index.js';
import { getInputs, InputError, type Settings } from './inputs.js';
import { OVERRUN_GRACE_MS, type ProcessGuard } from './process-guard.js';
import { findingAnnotations } from './report/annotations.js';
import type { RunReport } from './report/model.js';
import { renderConfigProblems } from './report/config-problems.js';
import { createNotifier } from './report/notify.js';
import {
  failedSession,
  loadSessionConfig,
  reportDirOf,
  reportDirProblem,
  runSession,
  type SessionOptions,
  type SessionResult,
} from './session.js';

/** Publishing gets the rest of the deadline, and at least this (a run that used all of it). */
const PUBLISH_MIN_MS = 5000;
/** After SIGINT/SIGTERM: the runner kills the step 2.5 s after its SIGTERM; the post step completes what is left. */
const PUBLISH_CANCELLED_MS = 700;

/** Per-request GitHub timeout: a third of the deadline, between 1 s and 15 s. */
export function githubCallTimeoutMs(timeoutSeconds: number): number {
  return Math.round(Math.min(15_000, Math.max(1000, (timeoutSeconds * 1000) / 3)));
}

/** The promise's value, or undefined when it did not settle in time (it keeps running, unwatched). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms)))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function run(env: NodeJS.ProcessEnv = process.env, guard?: ProcessGuard): Promise<void> {
  const startedAt = new Date();
  let settings: Settings;
  try {
    settings = getInputs();
  } catch (e) {
    core.setOutput('status', 'blocked');
    core.setFailed(`${(e as Error).message}. Deployment: BLOCKED (fix the step's \`with:\` inputs).`);
    guard?.written();
    return;
  }
  // Run as the step's process (with a guard), its clock started with the process: loading counts too.
  const clockStart = guard ? Math.round(performance.timeOrigin) : startedAt.getTime();
  const deadline = clockStart + settings.timeoutSeconds * 1000;
  const redactor = new Redactor((s) => core.setSecret(s));
  for (const s of [settings.githubToken, settings.postgresUrl, settings.redisUrl]) redactor.add(s);
  const log = new Logger(redactor, { line: (t) => core.info(t), debug: (t) => core.debug(t) });
  const base = {
    autoHeal: settings.autoHeal,
    dryRun: settings.dryRun,
    configPath: settings.config,
    phases: settings.phases,
    failOn: settings.failOn,
  };
  guard?.onSignal((sig) => core.saveState(STATE.cancelledBy, sig));
  guard?.arm(deadline + OVERRUN_GRACE_MS, {
    reportDir: reportDirOf({ reportDir: settings.reportDir }),
    report: blockedReport({
      startedAt,
      interrupted: { reason: 'deadline', detail: deadlineMessage(settings.timeoutSeconds) },
      ...base,
    }),
    githubOutput: env.GITHUB_OUTPUT,
    stepSummary: env.GITHUB_STEP_SUMMARY,
  });

  const github: GitHubIntegration = createGitHubIntegration(
    {
      token: settings.githubToken,
      comment: settings.comment,
      commentHeader: settings.commentHeader,
      checkRun: settings.checkRun,
      checkName: settings.checkName,
      approveInput: settings.approve,
      timeoutMs: githubCallTimeoutMs(settings.timeoutSeconds),
      onCheckRun: (id, status) => {
        core.saveState(STATE.checkRunId, String(id));
        core.saveState(STATE.checkRunStatus, status);
      },
    },
    { redactor, log, env },
  );
  // The in-progress check run is created alongside the checks: a GitHub that does not answer never
  // eats the checks' time. The head commit (part of approval ids) is waited for, briefly.
  const starting = github.start().catch((e: unknown) => log.debug(`GitHub start: ${errorMessage(e)}`));
  await within(starting, Math.min(githubCallTimeoutMs(settings.timeoutSeconds), (deadline - Date.now()) / 4));

  /** Comment + check run, bounded by the rest of the deadline (a short budget after a cancel). */
  const publish = async (report: RunReport | null, problems?: ConfigProblem[]): Promise<string[]> => {
    const budget = guard?.signal.aborted
      ? PUBLISH_CANCELLED_MS
      : Math.max(deadline - Date.now(), PUBLISH_MIN_MS);
    const notes = await within(
      starting.then(() => github.publish(report, problems)),
      budget,
    );
    if (notes) return notes;
    const note = `GitHub did not answer within ${Math.round(budget / 100) / 10}s: the PR comment and the check run may be missing or out of date; this summary and report.json are complete.`;
    log.say(`⚠️ ${note}`);
    return [note];
  };

  let loaded: LoadedConfig | null = null;
  const opts: SessionOptions = {
    approve: settings.approve,
    autoHeal: settings.autoHeal,
    dryRun: settings.dryRun,
    phases: settings.phases,
    timeoutSeconds: settings.timeoutSeconds,
    deadline,
    signal: guard?.signal,
    processes: guard?.processes,
    failOn: settings.failOn,
    configPath: settings.config,
    docker: settings.dockerHost ? { host: settings.dockerHost } : undefined,
    postgresUrl: settings.postgresUrl,
    redisUrl: settings.redisUrl,
    reportDir: settings.reportDir,
    redactor,
    env,
    // Each phase is a foldable group of the log.
    sinks: {
      line: (t) => core.info(t),
      debug: (t) => core.debug(t),
      group: (t) => core.startGroup(t),
      endGroup: () => core.endGroup(),
    },
    sha: github.context.sha,
    run: {
      repository: github.context.repository,
      sha: github.context.sha,
      pr: github.context.pr,
      url: github.context.runUrl,
      workflow: github.context.workflow,
    },
    approvalLookup: github.approvalLookup,
    // The PR comment and check run are published before the summary is written, so the summary can
    // say why a comment was skipped (fork PR, read-only token).
    summaryNotes: (r) => publish(r),
  };

  let result: Omit<SessionResult, 'loaded'>;
  try {
    try {
      loaded = loadSessionConfig({
        configPath: settings.config,
        configIsDefault: settings.configIsDefault,
        env,
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await reportConfigProblems(e.problems, publish, redactor, github);
      guard?.written();
      return;
    }
    const cfg = loaded;
    const dirProblem = reportDirProblem(reportDirOf(opts));
    if (dirProblem) {
      // Bad input: nothing is checked or changed; the reports go to a temporary directory instead.
      const detail = `${dirProblem}: fix the report-dir input; nothing was checked or changed`;
      log.say(`❌ ${detail}`);
      result = await failedSession(opts, cfg, { reason: 'error', detail }, startedAt);
    } else {
      result = await runSession(
        { ...opts, onHealingEvent: createNotifier(cfg.config.notifications, { redactor, log, env }) },
        cfg,
      );
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      await reportConfigProblems(e.problems, publish, redactor, github);
      guard?.written();
      return;
    }
    // Whatever broke, the run ends blocked with every report written and the check run completed.
    const interrupted: Interruption = { reason: 'error', detail: `unexpected error: ${errorMessage(e)}` };
    log.say(`💥 ${interrupted.detail}`);
    if (e instanceof Error && e.stack) core.debug(e.stack);
    result = await failedSession(opts, loaded, interrupted, startedAt);
  }
  const { report, written, summary } = result;

  try {
    await core.summary.addRaw(summary).write();
  } catch (e) {
    core.warning(`Job summary not written: ${errorMessage(e)}`);
  }
  setOutputs(report, written.reportPath, written.summaryPath);
  setLinkOutputs(github);
  // The run page lists what blocked without the log being opened (the report is redacted already;
  // redacted again so no annotation can ever carry a secret).
  for (const a of findingAnnotations(report, settings.failOn)) {
    const props = { title: redactor.redact(a.title) };
    if (a.level === 'error') core.error(redactor.redact(a.message), props);
    else core.warning(redactor.redact(a.message), props);
  }
  core.info(`Report: ${written.reportPath}`);
  if (report.deployment === 'blocked') {
    core.setFailed(`${report.headline}. See the job summary and ${written.reportPath}.`);
  }
  guard?.written();
}

async function reportConfigProblems(
  problems: ConfigProblem[],
  publish: (report: RunReport | null, problems?: ConfigProblem[]) => Promise<string[]>,
  redactor: Redactor,
  github: GitHubIntegration,
): Promise<void> {
  for (const p of problems) {
    const message = redactor.redact(`${p.key ? `${p.key}: ` : ''}${p.message}`);
    core.error(message, { title: 'Orixoon config', file: p.file, startLine: p.line, startColumn: p.column });
    core.info(redactor.redact(formatProblem(p)));
  }
  const notes = await publish(null, problems);
  core.setOutput('status', 'blocked');
  setLinkOutputs(github);
  try {
    await core.summary.addRaw(redactor.redact(renderConfigProblems(problems, notes))).write();
  } catch (e) {
    core.warning(`Job summary not written: ${errorMessage(e)}`);
  }
  core.setFailed(
    `Invalid Orixoon config (${problems.length} problem${problems.length === 1 ? '' : 's'}). Deployment: BLOCKED`,
  );
}

/** Where the PR comment and the check run are (empty when there is none). */
function setLinkOutputs(github: GitHubIntegration): void {
  const links = github.links();
  core.setOutput('comment-url', links.comment ?? '');
  core.setOutput('check-run-url', links.checkRun ?? '');
}

function setOutputs(report: RunReport, reportPath: string, summaryPath: string): void {
  core.setOutput('status', report.verdict);
  core.setOutput('healed', String(report.counts.healed + report.counts.recovered));
  core.setOutput('failed', String(report.counts.failed));
  core.setOutput('awaiting-approval', String(report.counts.awaitingApproval));
  core.setOutput('success-rate', report.auto_healing.summary.success_rate);
  core.setOutput('report', reportPath);
  core.setOutput('summary-path', summaryPath);
}

export { InputError };
