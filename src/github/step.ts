// The action step's own results, from the built report: outputs, annotations, job summary and the
// step's failure. Nothing here decides: the deployment decision and headline are the report's.
import * as core from '@actions/core';
import { formatProblem, type ConfigProblem } from '../config/load.js';
import type { Redactor } from '../support/redact.js';
import { findingAnnotations } from '../report/annotations.js';
import type { FailOn } from '../report/build.js';
import { renderConfigProblems } from '../report/config-problems.js';
import type { RunReport } from '../report/model.js';
import { errorMessage } from '../support/errors.js';

/** Pages of what was published on GitHub (empty when there is none). */
export interface PublishedLinks {
  comment?: string;
  checkRun?: string;
}

export interface WrittenRun {
  report: RunReport;
  reportPath: string;
  summaryPath: string;
  /** The job summary's markdown, redacted. */
  summary: string;
}

async function writeJobSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    core.warning(`Job summary not written: ${errorMessage(e)}`);
  }
}

function setLinkOutputs(links: PublishedLinks): void {
  core.setOutput('comment-url', links.comment ?? '');
  core.setOutput('check-run-url', links.checkRun ?? '');
}

/** A finished run: job summary, outputs, an annotation per unresolved finding, and the step fails when the deployment is blocked. */
export async function publishStep(
  run: WrittenRun,
  links: PublishedLinks,
  failOn: FailOn,
  redactor: Redactor,
): Promise<void> {
  const { report } = run;
  await writeJobSummary(run.summary);
  core.setOutput('status', report.verdict);
  core.setOutput('healed', String(report.counts.healed + report.counts.recovered));
  core.setOutput('failed', String(report.counts.failed));
  core.setOutput('awaiting-approval', String(report.counts.awaitingApproval));
  core.setOutput('success-rate', report.auto_healing.summary.success_rate);
  core.setOutput('report', run.reportPath);
  core.setOutput('summary-path', run.summaryPath);
  setLinkOutputs(links);
  // The run page lists what blocked without the log being opened (the report is redacted already;
  // redacted again so no annotation can ever carry a secret).
  for (const a of findingAnnotations(report, failOn)) {
    const props = { title: redactor.redact(a.title) };
    if (a.level === 'error') core.error(redactor.redact(a.message), props);
    else core.warning(redactor.redact(a.message), props);
  }
  core.info(`Report: ${run.reportPath}`);
  if (report.deployment === 'blocked') {
    core.setFailed(`${report.headline}. See the job summary and ${run.reportPath}.`);
  }
}

/** A rejected config: an annotation per problem at its file, line and column; nothing was run. */
export function annotateConfigProblems(problems: readonly ConfigProblem[], redactor: Redactor): void {
  for (const p of problems) {
    const message = redactor.redact(`${p.key ? `${p.key}: ` : ''}${p.message}`);
    core.error(message, { title: 'Orixoon config', file: p.file, startLine: p.line, startColumn: p.column });
    core.info(redactor.redact(formatProblem(p)));
  }
}

/** After the config problems were published on GitHub: outputs, job summary, and the step fails. */
export async function publishConfigProblems(
  problems: readonly ConfigProblem[],
  notes: readonly string[],
  links: PublishedLinks,
  redactor: Redactor,
): Promise<void> {
  core.setOutput('status', 'blocked');
  setLinkOutputs(links);
  await writeJobSummary(redactor.redact(renderConfigProblems(problems, notes)));
  core.setFailed(
    `Invalid Orixoon config (${problems.length} problem${problems.length === 1 ? '' : 's'}). Deployment: BLOCKED`,
  );
}
