// Renders the sticky PR comment and the check-run output from the one RunReport. Nothing here
// recomputes a verdict: it only shows what the engine decided, in a size GitHub accepts.
import type { ConfigProblem } from '../config/load.js';
import type { Outcome, Verdict } from '../engine/types.js';
import { cell as inertCell, codeSpan } from './markdown.js';
import type { FindingReport, RunReport } from './model.js';

/** GitHub rejects comment bodies of 65,536 characters or more. */
export const COMMENT_LIMIT = 65_536;
/** Check-run output summary and text are limited to 65,535 characters each. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** A single cell never grows past this, so one long message cannot push out the rest of the table. */
const CELL_LIMIT = 300;

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

const VERDICT_TITLE: Record<Verdict, string> = {
  passed: '✅ Orixoon pre-deployment: passed',
  healed: '🩹 Orixoon pre-deployment: healed',
  blocked: '⛔ Orixoon pre-deployment: blocked',
};

const OUTCOME_LABEL: Record<Outcome, string> = {
  healed: '✅ healed',
  recovered: '✅ recovered',
  failed: '❌ failed',
  not_healable: '⛔ not healable',
  disabled: '⏸️ healing disabled',
  limit_reached: '🛑 limit reached',
  awaiting_approval: '⏳ awaiting approval',
  dry_run: '🧪 would heal (dry run)',
  guarded: '🛡️ guarded',
  blocked_by_dependency: '🔗 blocked by dependency',
};

export function outcomeLabel(outcome: Outcome): string {
  return OUTCOME_LABEL[outcome] ?? outcome;
}

export function verdictTitle(report: RunReport | null): string {
  return report
    ? VERDICT_TITLE[report.verdict]
    : '⛔ Orixoon pre-deployment: blocked (configuration invalid)';
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/**
 * Makes outside text safe inside a markdown table cell: one line, no pipes, bounded length, and
 * inert (no mention, link, image, HTML or markup of its own).
 */
export function cell(text: string | number | null | undefined, limit = CELL_LIMIT): string {
  if (text === null || text === undefined || text === '') return '—';
  return inertCell(text, limit);
}

/** Inline code that survives backticks (and, in a table, pipes) in the value. */
export function code(text: string, opts: { table?: boolean } = {}): string {
  return codeSpan(text, opts);
}

export function approveCommand(id: string): string {
  return `/orixoon approve ${id}`;
}

function problemLine(p: ConfigProblem): string {
  const where = `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}`;
  return `${cell(where, 1000)} ${p.key ? `${code(p.key)}: ` : ''}${cell(p.message, 1000)}`;
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

function countsTable(report: RunReport): string {
  const c = report.counts;
  return [
    '| Findings | Healed | Recovered | Failed | Awaiting approval | Blocked |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${c.findings} | ${c.healed} | ${c.recovered} | ${c.failed} | ${c.awaitingApproval} | ${c.blocked} |`,
  ].join('\n');
}

function modeLine(report: RunReport): string | undefined {
  const parts: string[] = [];
  if (report.mode.dryRun) parts.push('🧪 **Dry run**: nothing was changed; the table shows the plan.');
  if (!report.mode.autoHeal) parts.push('Auto-heal is off: findings are reported, not healed.');
  if (report.mode.discovered) parts.push('Ran on discovered defaults (no config file).');
  return parts.length ? parts.join(' ') : undefined;
}

/** A GitHub login as the API gives it (letters, digits, dashes, `[bot]`): anything else is shown inert. */
function login(by: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/.test(by) ? `@${by}` : code(`@${by}`, { table: true });
}

function findingRow(f: FindingReport): string {
  const t = { table: true };
  const finding = `${cell(f.message)} (${code(f.code, t)}, check ${code(f.checkId, t)})`;
  let outcome = outcomeLabel(f.outcome);
  if (f.approval?.by) outcome += ` (approved by ${login(f.approval.by.slice(0, 60))})`;
  else if (f.approval) outcome += ' (approved)';
  return `| ${finding} | ${f.action ? code(f.action, t) : '—'} | ${cell(f.target, 120)} | ${cell(f.risk)} | ${outcome} | ${f.attempts} | ${formatDuration(f.durationMs)} |`;
}

const TABLE_HEAD = [
  '| Finding | Action | Target | Risk | Outcome | Attempts | Duration |',
  '|---|---|---|---|---|---:|---:|',
].join('\n');

function pendingSection(pending: FindingReport[], sha: string | undefined, maxListed: number): string {
  const listed = pending.slice(0, maxListed);
  const lines = [
    `### ⏳ Pending approvals (${pending.length})`,
    '',
    `These actions need confirmation${sha ? ` for commit ${code(sha.slice(0, 7))}` : ''}. A user with write access approves one by commenting the command on this PR, then re-runs the workflow (a new push needs a new approval):`,
    '',
    '| Approval id | Finding | Action | Risk | Approve with |',
    '|---|---|---|---|---|',
    ...listed.map(
      (f) =>
        `| ${code(f.id, { table: true })} | ${cell(f.message)} | ${f.action ? code(f.action, { table: true }) : '—'} | ${cell(f.risk)} | ${code(approveCommand(f.id), { table: true })} |`,
    ),
  ];
  if (pending.length > listed.length) lines.push('', `_… and ${pending.length - listed.length} more._`);
  lines.push('', `To approve every pending action at once: ${code('/orixoon approve all')}`);
  return lines.join('\n');
}

function failureSection(failed: FindingReport[]): string | undefined {
  const withReport = failed.filter((f) => f.failure);
  if (!withReport.length) return undefined;
  const items = withReport.slice(0, 20).map((f) => {
    const r = f.failure!;
    return [
      `**${cell(f.message)}** (${code(f.checkId)})`,
      `- Attempted: ${code(r.attempted)} × ${r.attempts}`,
      `- Last error: ${cell(r.lastError, 500)}`,
      `- Recommendation: ${cell(r.recommendation, 500)}`,
    ].join('\n');
  });
  return ['<details><summary>Failure reports</summary>', '', ...items, '', '</details>'].join('\n');
}

/** Joins sections; when the result exceeds `max`, shortens the findings table and points to the job summary. */
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
  const { report, sha, runUrl } = input;
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
        `## ${verdictTitle(null)}`,
        '',
        '**Deployment: BLOCKED**: the configuration was rejected before anything was touched.',
        '',
        ...problems.slice(0, rows).map((p) => `- ${problemLine(p)}`),
        ...(rows < problems.length ? ['', pointer] : []),
        ...(input.notes?.length ? ['', ...input.notes.map((n) => `> ${cell(n, 1000)}`)] : []),
      ].join('\n');
    return { content: fit(build, problems.length, budget, pointer), footer };
  }

  const pending = report.findings.filter((f) => f.outcome === 'awaiting_approval');
  const failed = report.findings.filter((f) => f.outcome === 'failed');
  // Rendered once: the size search below builds the comment many times.
  const findingRows = report.findings.map(findingRow);
  const build = (rows: number): string => {
    const out: string[] = [`## ${verdictTitle(report)}`, '', `**${cell(report.headline, 500)}**`];
    const mode = modeLine(report);
    if (mode) out.push('', mode);
    if (report.findings.length) {
      out.push('', countsTable(report), '', '### Healing actions for review', '', TABLE_HEAD);
      out.push(...findingRows.slice(0, rows));
      if (rows < report.findings.length) {
        out.push('', `_… ${report.findings.length - rows} more findings not shown._ ${pointer}`);
      }
    } else {
      out.push('', 'Every check passed; nothing needed healing.');
    }
    if (pending.length) out.push('', pendingSection(pending, sha, rows < report.findings.length ? 50 : 200));
    if (input.rejectedApprovals?.length) out.push('', rejectedSection(input.rejectedApprovals));
    const failures = failureSection(failed);
    if (failures && rows === report.findings.length) out.push('', failures);
    if (report.errors.length) {
      out.push('', '### Errors', '', ...report.errors.slice(0, 20).map((e) => `- ${cell(e, 1000)}`));
    }
    const notes = [...report.notes, ...(input.notes ?? [])];
    if (notes.length) out.push('', ...notes.slice(0, 20).map((n) => `> ${cell(n, 1000)}`));
    if (report.recommendations.length && rows === report.findings.length) {
      out.push(
        '',
        '<details><summary>Lasting fixes</summary>',
        '',
        ...report.recommendations.slice(0, 30).map((r) => `- ${cell(r, 1000)}`),
        '',
        '</details>',
      );
    }
    return out.join('\n');
  };
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
