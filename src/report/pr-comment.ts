// Renders the sticky PR comment and the check-run output from the one RunReport. Nothing here
// recomputes a verdict: it only shows what the engine decided, in a size GitHub accepts. The body is
// the job summary's (same sections, icons and words), shortened to fit.
import type { ConfigProblem } from '../config/load.js';
import { bodyRenderer, cell, code } from './document.js';
import type { RunReport } from './model.js';
import { relativePath, relativizeReport, relativizeText, workspaceDir } from './paths.js';
import { verdictTitle } from './vocabulary.js';

export { approveCommand, cell, code } from './document.js';
export { formatMilliseconds, outcomeLabel, verdictTitle } from './vocabulary.js';

/** GitHub rejects comment bodies of 65,536 characters or more. */
export const COMMENT_LIMIT = 65_536;
/** Check-run output summary and text are limited to 65,535 characters each. */
export const CHECK_OUTPUT_LIMIT = 65_535;

export interface PrCommentInput {
  report: RunReport | null;
  problems?: ConfigProblem[];
  /** The PR head commit the verdict is about. */
  sha?: string;
  runUrl?: string;
  /** Lines the integration adds (e.g. "Approvals by comment need write access"). */
  notes?: string[];
  /** People's approve comments that were not understood (nothing was approved by them). */
  rejectedApprovals?: RejectedApproval[];
  /** Paths are shown relative to this directory (default: `GITHUB_WORKSPACE`, else the cwd). */
  workspace?: string;
}

export interface RejectedApproval {
  by: string;
  url: string;
  line: string;
  reason: string;
}

export interface RenderedComment {
  /** Everything that depends on what Orixoon found (compared in `on-change` mode). */
  content: string;
  /** Volatile part: commit, run link, time. */
  footer: string;
}

function problemLine(p: ConfigProblem, workspace: string): string {
  const file = relativePath(p.file, workspace);
  const where = `${file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}`;
  return `${cell(where, 1000)} ${p.key ? `${code(p.key)}: ` : ''}${cell(relativizeText(p.message, workspace), 1000)}`;
}

function rejectedSection(rejected: RejectedApproval[]): string {
  const listed = rejected
    .slice(0, 20)
    .map(
      (r) =>
        `- A [comment](${encodeURI(r.url)}) by ${code(`@${r.by.slice(0, 60)}`)} was not understood as an approval: ${cell(r.reason, 500)}. The line: ${code(r.line.slice(0, 300))}`,
    );
  return [
    `### ⚠️ Approval comments not understood (${rejected.length})`,
    '',
    `Nothing was approved by these comments. A command stands on a line of its own, outside code blocks and quotes: ${code('/orixoon approve <id> …')} with only pending ids, or ${code('/orixoon approve all')}.`,
    '',
    ...listed,
    ...(rejected.length > listed.length ? ['', `_… and ${rejected.length - listed.length} more._`] : []),
  ].join('\n');
}

/** Joins sections; when the result exceeds `max`, shortens the findings tables and points to the job summary. */
function fit(build: (rows: number) => string, totalRows: number, max: number, pointer: string): string {
  const full = build(totalRows);
  if (full.length <= max) return full;
  // Binary search the largest row count that fits.
  let lo = 0;
  let hi = totalRows;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (build(mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  const fitted = build(lo);
  if (fitted.length <= max) return fitted;
  // Even without rows it is too long (huge error list): cut hard, keeping the pointer.
  return `${fitted.slice(0, Math.max(0, max - pointer.length - 4))}\n\n${pointer}`;
}

/** The comment's visible part, in at most `maxChars` characters (content + footer). */
export function renderPrComment(input: PrCommentInput, maxChars = COMMENT_LIMIT - 1): RenderedComment {
  const { sha, runUrl } = input;
  const workspace = input.workspace ?? workspaceDir();
  const report = input.report && relativizeReport(input.report, workspace);
  const summaryLink = runUrl ? `[job summary](${runUrl})` : 'job summary of the workflow run';
  const footerParts = [
    sha ? `Commit ${code(sha.slice(0, 7))}` : undefined,
    runUrl ? `[workflow run](${runUrl})` : undefined,
    report ? `finished ${report.finishedAt}` : undefined,
    report ? `Orixoon ${report.tool.version}` : 'Orixoon',
  ].filter(Boolean);
  const footer = `<sub>${footerParts.join(' · ')}</sub>`;
  const budget = maxChars - footer.length - 2;
  const pointer = `⚠️ _This comment was shortened to fit GitHub's size limit: the full report is in the ${summaryLink}._`;

  if (!report) {
    const problems = input.problems ?? [];
    const build = (rows: number): string =>
      [
        '> [!CAUTION]',
        `> ### ${verdictTitle(null)}`,
        '> **Deployment: BLOCKED**: the configuration was rejected before anything was touched.',
        '',
        ...problems.slice(0, rows).map((p) => `- ${problemLine(p, workspace)}`),
        ...(rows < problems.length ? ['', pointer] : []),
        ...(input.notes?.length
          ? ['', '> [!NOTE]', ...input.notes.map((n) => `> - ${cell(relativizeText(n, workspace), 1000)}`)]
          : []),
      ].join('\n');
    return { content: fit(build, problems.length, budget, pointer), footer };
  }

  const rejected = input.rejectedApprovals?.length ? rejectedSection(input.rejectedApprovals) : undefined;
  const notes = (input.notes ?? []).map((n) => relativizeText(n, workspace));
  const build = bodyRenderer(report, { kind: 'comment', pointer, sha, notes, afterPending: rejected });
  return { content: fit(build, report.findings.length, budget, pointer), footer };
}

/** Check-run output (title + markdown summary), under GitHub's limits. */
export function renderCheckRunOutput(
  report: RunReport | null,
  problems: ConfigProblem[] | undefined,
  runUrl?: string,
): { title: string; summary: string } {
  if (!report) {
    const count = problems?.length ?? 0;
    return {
      title: `Blocked: configuration invalid (${count} problem${count === 1 ? '' : 's'})`,
      summary: renderPrComment({ report, problems, runUrl }, CHECK_OUTPUT_LIMIT - 1).content,
    };
  }
  const { content, footer } = renderPrComment({ report, runUrl }, CHECK_OUTPUT_LIMIT - 1);
  // The title is plain text (not Markdown): one line, bounded.
  const title = report.headline.replace(/\s+/g, ' ').trim();
  return {
    title: title.length > 250 ? `${title.slice(0, 249)}…` : title,
    summary: `${content}\n\n${footer}`,
  };
}
