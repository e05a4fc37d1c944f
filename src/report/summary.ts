// The job summary (GitHub's step summary, also saved as summary.md): the verdict as an alert with the
// counts, what blocks the deployment first, the pictures, the healing actions, the passed checks
// collapsed, and lasting-fix recommendations, within GitHub's 1 MiB limit.
import { renderBody } from './document.js';
import { truncate } from './markdown.js';
import type { RunReport } from './model.js';
import { relativizeReport, workspaceDir } from './paths.js';

/** GitHub rejects step summaries over 1 MiB; stay well below it. */
export const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

export interface SummaryOptions {
  /** Paths are shown relative to this directory (default: `GITHUB_WORKSPACE`, else the cwd). */
  workspace?: string;
}

/**
 * The job summary. Everything taken from the report (messages, reasons, command output, errors,
 * names) is rendered inert; `extraNotes` are Orixoon's own lines about the GitHub integration.
 */
export function renderSummary(
  report: RunReport,
  extraNotes: string[] = [],
  opts: SummaryOptions = {},
): string {
  const relative = relativizeReport(report, opts.workspace ?? workspaceDir());
  return truncate(
    renderBody(relative, { kind: 'summary', ownNotes: extraNotes }),
    SUMMARY_LIMIT,
    "_Summary truncated to fit GitHub's 1 MiB limit: the full report is in report.json._",
  );
}
