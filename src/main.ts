// The action: inputs → session (config, engine, report files) → GitHub (comment, check run) →
// job summary and outputs → fail the step when the deployment must be blocked. Every path that got
// valid inputs ends with outputs, a job summary, report.json and a completed check run, within the
// deadline: GitHub calls run alongside the checks and are cut off at the deadline, a cancel ends the
// run `blocked`, and an unexpected error ends it `blocked` too.
import * as core from '@actions/core';
import { STATE } from './action-state.js';
import { ConfigError, type ConfigProblem, type LoadedConfig } from './config/load.js';
import { blockedReport, deadlineMessage, type Interruption } from './engine/interruption.js';
import { Redactor } from './support/redact.js';
import { Logger } from './support/logger.js';
import { githubCallTimeoutMs, startWithinDeadline, type BoundedPublish } from './github/bounded.js';
import { createGitHubIntegration, type GitHubIntegration } from './github/index.js';
import { getInputs, InputError, type Settings } from './inputs.js';
import { OVERRUN_GRACE_MS, type ProcessGuard } from './process-guard.js';
import { annotateConfigProblems, publishConfigProblems, publishStep } from './github/step.js';
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
import { errorMessage } from './support/errors.js';

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
  const publish = await startWithinDeadline(github, {
    deadline,
    timeoutSeconds: settings.timeoutSeconds,
    log,
    signal: guard?.signal,
  });

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
    state: { path: settings.statePath },
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
  await publishStep(
    {
      report: result.report,
      reportPath: result.written.reportPath,
      summaryPath: result.written.summaryPath,
      summary: result.summary,
    },
    github.links(),
    settings.failOn,
    redactor,
  );
  guard?.written();
}

async function reportConfigProblems(
  problems: ConfigProblem[],
  publish: BoundedPublish,
  redactor: Redactor,
  github: GitHubIntegration,
): Promise<void> {
  annotateConfigProblems(problems, redactor);
  const notes = await publish(null, problems);
  await publishConfigProblems(problems, notes, github.links(), redactor);
}

export { InputError };
