// The Markdown body the job summary and the PR comment share: verdict alert, what blocks the
// deployment (most pressing first, with its failure report), approvals, the dependency picture, what
// was healed and how, and the checks that passed (collapsed). One builder, so both read alike; the
// comment asks for a shorter form (fewer rows, bounded cells) to fit GitHub's comment limit.
import { dependencyGraph, healTimeline } from './mermaid.js';
import { cell as inertCell, codeBlock, codeSpan, inert, table } from './markdown.js';
import type { ActionRecord, FindingReport, RunReport } from './model.js';
import {
  HEADINGS,
  alertKind,
  byUrgency,
  formatMilliseconds,
  glance,
  isResolved,
  outcomeLabel,
  passedCount,
  verdictTitle,
} from './vocabulary.js';

/** A cell never grows past this by default, so one long message cannot push out the rest of a table. */
export const CELL_LIMIT = 300;

/**
 * Outside text in a table cell: one line, no pipes, bounded length, inert (no mention, link, image,
 * HTML or markup of its own). Empty → `—`.
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

const T = { table: true };

/** A GitHub login as the API gives it (letters, digits, dashes, `[bot]`): anything else is shown inert. */
function login(by: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/.test(by) ? `@${by}` : code(`@${by}`, T);
}

/** Outcomes whose reason is not told elsewhere (a failure report, the approvals table, the plan). */
const SAYS_WHY = new Set([
  'recovered',
  'blocked_by_dependency',
  'locked',
  'limit_reached',
  'budget_exhausted',
  'guarded',
  'not_healable',
  'disabled',
]);

/**
 * Three columns, so the table fits a PR page without scrolling sideways: the outcome, the finding
 * (with why, its issue code and check on a small line), and the action (with risk, tries and time).
 */
export const FINDINGS_HEAD = ['| Outcome | Finding | Action |', '|---|---|---|'].join('\n');

/** A label's icon stays with its first word when a narrow column wraps it. */
function glued(label: string): string {
  return label.replace(' ', '&nbsp;');
}

function tries(n: number): string {
  return n === 0 ? 'not run' : n === 1 ? '1 try' : `${n} tries`;
}

/** One finding: outcome (and who approved), what and why, the action and how it went. */
export function findingRow(f: FindingReport, limit = CELL_LIMIT): string {
  let outcome = glued(outcomeLabel(f.outcome));
  if (f.approval?.by) outcome += `<br><sub>approved by ${login(f.approval.by.slice(0, 60))}</sub>`;
  else if (f.approval) outcome += '<br><sub>approved</sub>';
  const why = SAYS_WHY.has(f.outcome) && f.reason ? `${cell(f.reason, limit)} · ` : '';
  const finding = `${cell(f.message, limit)}<br><sub>${why}${code(f.code, T)} · check ${code(f.checkId, T)}</sub>`;
  const how = f.action
    ? [`${cell(f.risk)} risk`, tries(f.attempts), f.attempts ? formatMilliseconds(f.durationMs) : undefined]
    : [f.outcome === 'recovered' ? 'no action of its own' : undefined, formatMilliseconds(f.durationMs)];
  return `| ${outcome} | ${finding} | ${f.action ? code(f.action, T) : '—'}<br><sub>${how.filter(Boolean).join(' · ')}</sub> |`;
}

/** Wraps long lines of a code block so it needs no horizontal scrolling on a PR page. */
function wrap(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n|\r/g, '\n').split('\n')) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    const indent = ' '.repeat(Math.min(8, (/^ */.exec(line)?.[0].length ?? 0) + 5));
    let rest = line;
    let first = true;
    while (rest.length > (first ? width : width - indent.length)) {
      const room = first ? width : width - indent.length;
      let at = rest.lastIndexOf(' ', room);
      if (at <= room / 2) at = room;
      out.push((first ? '' : indent) + rest.slice(0, at).trimEnd());
      rest = rest.slice(at).trimStart();
      first = false;
    }
    if (rest) out.push((first ? '' : indent) + rest);
  }
  return out.join('\n');
}

/** The console's failure report, in a block no content can close, wrapped to fit a PR page. */
export function failureReport(f: FindingReport, limit: number): string | undefined {
  const r = f.failure;
  if (!r) return undefined;
  const bound = (s: string): string => (s.length > limit ? `${s.slice(0, limit - 1)}…` : s);
  return codeBlock(
    wrap(
      [
        `❌ HEALING FAILED: ${bound(f.message)}`,
        `   Attempted: ${bound(r.attempted)}`,
        `   Error: ${bound(r.lastError)}`,
        `   Recommendation: ${bound(r.recommendation)}`,
        '   Deployment: BLOCKED for safety',
      ].join('\n'),
      76,
    ),
  );
}

export interface BodyOptions {
  /** The job summary shows everything; the PR comment bounds cells and lists. */
  kind: 'summary' | 'comment';
  /** How many finding rows to show (the comment shortens to fit); the rest is pointed to. */
  rows?: number;
  /** Shown where rows were left out. */
  pointer?: string;
  /** The commit approvals are for. */
  sha?: string;
  /** Lines from outside Orixoon's report (rendered inert). */
  notes?: string[];
  /** Orixoon's own lines about the GitHub integration (already Markdown). */
  ownNotes?: string[];
  /** A section placed after the pending approvals (the comment's rejected approval commands). */
  afterPending?: string;
}

interface Limits {
  cell: number;
  text: number;
  list: number;
}

const LIMITS: Record<BodyOptions['kind'], Limits> = {
  summary: { cell: 1000, text: 4000, list: 1000 },
  comment: { cell: CELL_LIMIT, text: 1000, list: 100 },
};

/** The findings in the order they are shown: blocking (most pressing first), the dry-run plan, healed. */
export function orderedFindings(report: RunReport): FindingReport[] {
  const blocking = report.findings.filter((f) => !isResolved(f.outcome) && f.outcome !== 'dry_run');
  return [
    ...byUrgency(blocking),
    ...report.findings.filter((f) => f.outcome === 'dry_run'),
    ...report.findings.filter((f) => isResolved(f.outcome)),
  ];
}

function alert(report: RunReport): string[] {
  const lines = [
    `> [!${alertKind(report)}]`,
    `> ### ${verdictTitle(report)}`,
    `> **${cell(report.headline, 500)}**`,
  ];
  const counts = glance(report);
  if (counts) lines.push('>', `> ${counts}`);
  return lines;
}

function modeLine(report: RunReport): string | undefined {
  const parts: string[] = [];
  if (report.mode.dryRun) parts.push('🧪 **Dry run**: nothing was changed; the tables show the plan.');
  if (!report.mode.autoHeal) parts.push('Auto-heal is off: findings are reported, not healed.');
  if (report.mode.discovered) parts.push('Ran on discovered defaults (no config file).');
  return parts.length ? parts.join(' ') : undefined;
}

function notesAlert(inertNotes: string[], ownNotes: string[], max: number): string[] {
  const items = [
    ...inertNotes.slice(0, max).map((n) => `> - ${cell(n, 1000)}`),
    ...ownNotes.slice(0, max).map((n) => `> - ${n.replace(/\r\n|\r|\n/g, ' ')}`),
  ];
  return items.length ? ['> [!NOTE]', ...items] : [];
}

function pendingSection(pending: FindingReport[], sha: string | undefined, max: number): string {
  const listed = pending.slice(0, max);
  const lines = [
    `### ${HEADINGS.pending} (${pending.length})`,
    '',
    `These actions need confirmation${sha ? ` for commit ${code(sha.slice(0, 7))}` : ''}. A user with write access approves one by commenting the command on this PR, then re-runs the workflow (a new push needs a new approval):`,
    '',
    '| Finding | Action | Approve with |',
    '|---|---|---|',
    ...listed.map(
      (f) =>
        `| ${cell(f.message)} | ${f.action ? code(f.action, T) : '—'}<br><sub>${cell(f.risk)} risk</sub> | ${code(approveCommand(f.id), T)} |`,
    ),
  ];
  if (pending.length > listed.length) lines.push('', `_… and ${pending.length - listed.length} more._`);
  lines.push(
    '',
    `To approve every pending action at once: ${code('/orixoon approve all')}. The step's ${code('approve')} input takes the same ids.`,
  );
  return lines.join('\n');
}

function dryRunSection(plans: FindingReport[], limits: Limits): string {
  return [
    `### ${HEADINGS.dryRun} (${plans.length})`,
    '',
    table(
      ['Finding', 'Would do', 'Risk'],
      plans.map((f) => [cell(f.message, limits.cell), cell(f.plan ?? f.action, limits.cell), cell(f.risk)]),
    ),
  ].join('\n');
}

/**
 * Attempts of one heal sit together. Three columns fit a PR page; a reason already shown (by the
 * previous try, or in the failure report above) is pointed to instead of repeated.
 */
function actionsTable(report: RunReport, limits: Limits): string {
  const groups = new Map<string, ActionRecord[]>();
  for (const a of report.actions) {
    const key = `${a.checkId}\u0000${a.code}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const lastErrors = new Map(
    report.findings
      .filter((f) => f.failure)
      .map((f) => [`${f.checkId}\u0000${f.code}`, f.failure!.lastError]),
  );
  const rows: string[][] = [];
  for (const [key, attempts] of groups) {
    attempts.forEach((a, i) => {
      if (rows.length >= limits.list) return;
      const previous = attempts.slice(0, i).find((p) => p.details === a.details);
      const details =
        !a.success && i === attempts.length - 1 && lastErrors.get(key) === a.details
          ? '_as in the failure report above_'
          : previous
            ? `_same as try ${previous.attempt}_`
            : cell(a.details, Math.min(limits.cell, 400));
      rows.push([
        `${code(a.action, T)}<br><sub>check ${code(a.checkId, T)} · try ${a.attempt}</sub>`,
        `${glued(outcomeLabel(a.success ? 'healed' : 'failed'))}<br><sub>${formatMilliseconds(a.durationMs)}</sub>`,
        details,
      ]);
    });
  }
  const more = report.actions.length - rows.length;
  return (
    table(['Action', 'Result', 'What happened'], rows) + (more ? `\n_… and ${more} more actions._\n` : '')
  );
}

function passedDetails(report: RunReport, limits: Limits): string | undefined {
  const passed = report.phases.flatMap((p) => p.checks.filter((c) => c.status === 'passed'));
  if (!passed.length) return undefined;
  const listed = passed.slice(0, limits.list);
  const rows = listed.map((c) => [
    code(c.id, T),
    cell(c.type),
    cell(c.phase),
    cell(c.summary, Math.min(limits.cell, 200)),
    formatMilliseconds(c.durationMs),
  ]);
  return [
    `<details><summary>${passedCount(passed.length)}</summary>`,
    '',
    table(['Check', 'Type', 'Phase', 'Result', 'Time'], rows) +
      (passed.length > listed.length ? `\n_… and ${passed.length - listed.length} more._\n` : ''),
    '</details>',
  ].join('\n');
}

/** The shared body. `rows` below the number of findings drops the pictures and long lists. */
export function renderBody(report: RunReport, opts: BodyOptions): string {
  return bodyRenderer(report, opts)(opts.rows);
}

/**
 * The shared body as a function of how many finding rows it shows: everything that does not depend on
 * that count is rendered once (the comment tries several counts to fit its limit).
 */
/** Targets healed in too many of their recent runs, with their strip: their actions need approval. */
function flakySection(report: RunReport, t: { table: boolean }): string | undefined {
  const flaky = (report.history ?? []).filter((h) => h.flaky);
  if (!flaky.length) return undefined;
  return [
    `### 🔁 Flaky targets (${flaky.length})`,
    '',
    'Healed again and again: their actions now need approval whatever their risk. Fix the cause.',
    '',
    '| Target | Recent runs, oldest first | Heal budget |',
    '|---|---|---|',
    ...flaky.map((h) => {
      const budget =
        h.budget.max === null
          ? `${h.budget.used} in ${h.budget.windowHours} h`
          : `${h.budget.left} of ${h.budget.max} left (${h.budget.windowHours} h)`;
      return `| ${cell(h.target)}<br><sub>check ${code(h.checkId, t)}</sub> | ${h.strip}<br><sub>healed in ${h.healedRuns} of ${h.ofRuns} runs</sub> | ${budget} |`;
    }),
  ].join('\n');
}

export function bodyRenderer(report: RunReport, opts: BodyOptions): (rows?: number) => string {
  const limits = LIMITS[opts.kind];
  const ordered = orderedFindings(report);
  const isBlocking = (f: FindingReport): boolean => !isResolved(f.outcome) && f.outcome !== 'dry_run';
  const once = <V>(make: () => V): (() => V) => {
    let value: { v: V } | undefined;
    return () => (value ??= { v: make() }).v;
  };
  const rowText = new Map(ordered.map((f) => [f, findingRow(f, limits.cell)]));
  const failureText = new Map(ordered.filter(isBlocking).map((f) => [f, failureReport(f, limits.text)]));
  const graph = once(() => dependencyGraph(report));
  const timeline = once(() => healTimeline(report));
  const actions = once(() => actionsTable(report, limits));
  const passed = once(() => passedDetails(report, limits));
  const pending = report.findings.filter((f) => f.outcome === 'awaiting_approval');
  const pendingText = new Map<number, string>();
  const blockingTotal = ordered.filter(isBlocking).length;
  const healedTotal = report.findings.filter((f) => isResolved(f.outcome)).length;

  const head: string[] = [...alert(report)];
  const add = (into: string[], ...lines: Array<string | undefined>): void => {
    const present = lines.filter((l): l is string => l !== undefined);
    if (present.length) into.push('', ...present);
  };
  const mode = modeLine(report);
  const meta =
    opts.kind === 'summary'
      ? [
          report.mode.discovered
            ? 'discovered defaults'
            : `config ${code(String(report.mode.configPath ?? 'default'))}`,
          `auto-heal ${report.mode.autoHeal ? 'on' : 'off'}`,
          report.mode.phases?.length
            ? `phases ${report.mode.phases.map((p) => inert(p)).join(', ')}`
            : undefined,
          `ran ${formatMilliseconds(report.durationMs)}`,
        ]
          .filter(Boolean)
          .join(' · ')
      : undefined;
  add(head, mode, meta && mode ? '' : undefined, meta);
  const notes = notesAlert([...report.notes, ...(opts.notes ?? [])], opts.ownNotes ?? [], 20);
  if (notes.length) add(head, ...notes);
  if (report.errors.length) {
    add(
      head,
      `### ${HEADINGS.errors}`,
      '',
      ...report.errors.slice(0, opts.kind === 'comment' ? 20 : limits.list).map((e) => `- ${cell(e, 1000)}`),
    );
  }
  const flaky = flakySection(report, T);
  if (flaky) add(head, flaky);
  // A run that stopped on an error has no findings either, but nothing can be said to have passed.
  if (!report.findings.length && !report.errors.length && !report.interrupted)
    add(head, 'Every check passed; nothing needed healing.');

  return (wanted) => {
    const rows = Math.max(0, Math.min(wanted ?? ordered.length, ordered.length));
    const shown = ordered.slice(0, rows);
    const full = rows === ordered.length;
    const out = [...head];
    const section = (...lines: Array<string | undefined>): void => add(out, ...lines);

    const blocking = shown.filter(isBlocking);
    if (blocking.length) {
      const heading = report.deployment === 'blocked' ? HEADINGS.blocking : HEADINGS.unresolved;
      section(
        `### ${heading} (${blockingTotal})`,
        '',
        FINDINGS_HEAD,
        ...blocking.map((f) => rowText.get(f)!),
      );
      const reports = blocking
        .map((f) => failureText.get(f))
        .filter((r): r is string => r !== undefined)
        .slice(0, opts.kind === 'comment' ? 20 : limits.list);
      if (reports.length) section(`#### ${HEADINGS.failures}`, '', reports.join('\n\n'));
    }

    if (pending.length) {
      const max = full ? 200 : 50;
      if (!pendingText.has(max))
        pendingText.set(max, pendingSection(pending, opts.sha ?? report.run?.sha, max));
      section(pendingText.get(max));
    }
    if (opts.afterPending) section(opts.afterPending);

    const plans = shown.filter((f) => f.outcome === 'dry_run');
    if (plans.length) section(dryRunSection(plans, limits));

    const picture = full ? graph() : undefined;
    if (picture) section(`### ${HEADINGS.dependencies}`, '', picture);

    const healed = shown.filter((f) => isResolved(f.outcome));
    if (healed.length) {
      section(
        `### ${HEADINGS.healed} (${healedTotal})`,
        '',
        FINDINGS_HEAD,
        ...healed.map((f) => rowText.get(f)!),
      );
    }
    if (!full) section(`_… ${ordered.length - rows} more findings not shown._ ${opts.pointer ?? ''}`.trim());

    if (full && report.actions.length) {
      const s = report.auto_healing.summary;
      section(
        `### ${HEADINGS.actions} (${report.actions.length})`,
        '',
        actions(),
        `Total actions ${s.total_actions}, successful ${s.successful}, failed ${s.failed}, success rate ${inert(s.success_rate)}.`,
      );
      const gantt = timeline();
      if (gantt) section(`#### ${HEADINGS.timeline}`, '', gantt);
    }

    if (full) section(passed());

    if (full && report.recommendations.length) {
      const fixes = report.recommendations.slice(0, opts.kind === 'comment' ? 30 : limits.list);
      const list = fixes.map((r) => `- ${cell(r, 1000)}`);
      if (opts.kind === 'comment') {
        section(`<details><summary>${HEADINGS.fixes}</summary>`, '', ...list, '', '</details>');
      } else section(`### ${HEADINGS.fixes}`, '', ...list);
    }

    if (opts.kind === 'summary' && report.approvals.length) {
      section(
        '### Approvals used',
        '',
        ...report.approvals.map(
          (a) =>
            `- ${codeSpan(a.id)} via ${a.via}${a.by ? ` by ${codeSpan(`@${a.by}`)}` : ''}${a.at ? ` at ${inert(a.at)}` : ''}`,
        ),
      );
    }
    return out.join('\n');
  };
}
