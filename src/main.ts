// The action: inputs → session (config, engine, report files) → GitHub (comment, check run) →
// job summary and outputs → fail the step when the deployment must be blocked.
import * as core from '@actions/core';
import { ConfigError, formatProblem, type ConfigProblem } from './config/load.js';
import { Redactor } from './engine/redact.js';
import { Logger } from './engine/logger.js';
import { createGitHubIntegration, type GitHubIntegration } from './github/index.js';
import { getInputs, InputError, type Settings } from './input-helper.js';
import type { RunReport } from './report/model.js';
import { createNotifier } from './report/notify.js';
import { loadSessionConfig, runSession } from './session.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let settings: Settings;
  try {
    settings = getInputs();
  } catch (e) {
    core.setOutput('status', 'blocked');
    core.setFailed(`${(e as Error).message}. Deployment: BLOCKED (fix the step's \`with:\` inputs).`);
    return;
  }
  const redactor = new Redactor((s) => core.setSecret(s));
  for (const s of [settings.githubToken, settings.postgresUrl, settings.redisUrl]) redactor.add(s);
  const log = new Logger(redactor, { line: (t) => core.info(t), debug: (t) => core.debug(t) });
  const github: GitHubIntegration = createGitHubIntegration(
    {
      token: settings.githubToken,
      comment: settings.comment,
      checkRun: settings.checkRun,
      approveInput: settings.approve,
    },
    { redactor, log, env },
  );
  await github.start();

  let loaded;
  try {
    loaded = loadSessionConfig({
      configPath: settings.config,
      configIsDefault: settings.configIsDefault,
      env,
    });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    await reportConfigProblems(e.problems, github, redactor);
    return;
  }

  const { report, written, summary } = await runSession(
    {
      approve: settings.approve,
      autoHeal: settings.autoHeal,
      dryRun: settings.dryRun,
      phases: settings.phases,
      timeoutSeconds: settings.timeoutSeconds,
      failOn: settings.failOn,
      docker: settings.dockerHost ? { host: settings.dockerHost } : undefined,
      postgresUrl: settings.postgresUrl,
      redisUrl: settings.redisUrl,
      reportDir: settings.reportDir,
      redactor,
      env,
      sinks: { line: (t) => core.info(t), debug: (t) => core.debug(t) },
      sha: github.context.sha,
      run: {
        repository: github.context.repository,
        sha: github.context.sha,
        pr: github.context.pr,
        url: github.context.runUrl,
        workflow: github.context.workflow,
      },
      approvalLookup: github.approvalLookup,
      onHealingEvent: createNotifier(loaded.config.notifications, { redactor, log, env }),
      // The PR comment and check run are published before the summary is written, so the summary can
      // say why a comment was skipped (fork PR, read-only token).
      summaryNotes: (r) => github.publish(r),
    },
    loaded,
  ).catch(async (e: unknown) => {
    if (e instanceof ConfigError) {
      await reportConfigProblems(e.problems, github, redactor);
      return { report: null, written: null, summary: '' };
    }
    throw e;
  });
  if (!report || !written) return;

  await core.summary.addRaw(summary).write();
  setOutputs(report, written.reportPath);
  core.info(`Report: ${written.reportPath}`);
  if (report.deployment === 'blocked') {
    core.setFailed(`${report.headline}. See the job summary and ${written.reportPath}.`);
  }
}

async function reportConfigProblems(
  problems: ConfigProblem[],
  github: GitHubIntegration,
  redactor: Redactor,
): Promise<void> {
  for (const p of problems) {
    const message = redactor.redact(`${p.key ? `${p.key}: ` : ''}${p.message}`);
    core.error(message, { title: 'Orixoon config', file: p.file, startLine: p.line, startColumn: p.column });
    core.info(redactor.redact(formatProblem(p)));
  }
  const notes = await github.publish(null, problems);
  core.setOutput('status', 'blocked');
  await core.summary
    .addRaw(
      redactor.redact(
        [
          '## 🚫 Orixoon: BLOCKED — invalid configuration',
          '',
          'Nothing was checked or changed. Fix these and re-run:',
          '',
          ...problems.map((p) => `- \`${formatProblem(p)}\``),
          ...notes.map((n) => `> ${n}`),
          '',
        ].join('\n'),
      ),
    )
    .write();
  core.setFailed(
    `Invalid Orixoon config (${problems.length} problem${problems.length === 1 ? '' : 's'}). Deployment: BLOCKED`,
  );
}

function setOutputs(report: RunReport, reportPath: string): void {
  core.setOutput('status', report.verdict);
  core.setOutput('healed', String(report.counts.healed + report.counts.recovered));
  core.setOutput('failed', String(report.counts.failed));
  core.setOutput('awaiting-approval', String(report.counts.awaitingApproval));
  core.setOutput('success-rate', report.auto_healing.summary.success_rate);
  core.setOutput('report', reportPath);
}

export { InputError };
