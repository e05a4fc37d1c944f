// The job summary (GitHub's step summary, also saved as summary.md): verdict, a table per phase, the
// healing actions, pending approvals and lasting-fix recommendations, within GitHub's 1 MiB limit.
import type { RunReport } from './model.js';
import {
  OUTCOME_ICON,
  VERDICT_ICON,
  cell,
  codeBlock,
  codeSpan,
  duration,
  inert,
  table,
  truncate,
} from './markdown.js';

/** GitHub rejects step summaries over 1 MiB; stay well below it. */
export const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

/**
 * The job summary. Everything taken from the report (messages, reasons, command output, errors,
 * names) is rendered inert; `extraNotes` are Orixoon's own lines about the GitHub integration.
 */
export function renderSummary(report: RunReport, extraNotes: string[] = []): string {
  const code = (v: string): string => codeSpan(v, { table: true });
  const out: string[] = [];
  out.push(`## ${VERDICT_ICON[report.verdict]} Orixoon: ${report.verdict.toUpperCase()}`);
  out.push('');
  out.push(`**${inert(report.headline)}**`);
  out.push('');
  const mode = [
    report.mode.dryRun ? '**dry run** (nothing was changed)' : null,
    report.mode.autoHeal ? 'auto-heal on' : 'auto-heal off',
    report.mode.discovered ? 'discovered defaults' : `config ${codeSpan(String(report.mode.configPath))}`,
    `${duration(report.durationMs)}`,
  ].filter(Boolean);
  out.push(mode.join(' · '));
  out.push('');
  for (const note of report.notes) out.push(`> ${inert(note)}`);
  for (const note of extraNotes) out.push(`> ${note.replace(/\r?\n/g, ' ')}`);
  if (report.notes.length || extraNotes.length) out.push('');
  for (const e of report.errors) out.push(`> ❗ ${inert(e)}`);
  if (report.errors.length) out.push('');

  const byId = new Map(report.findings.map((f) => [f.id, f]));
  for (const phase of report.phases) {
    out.push(`### Phase: ${inert(phase.name)} — ${phase.status}`);
    out.push('');
    const rows: string[][] = [];
    for (const c of phase.checks) {
      if (!c.findings.length)
        rows.push([code(c.id), cell(c.type), '✅ passed', cell(c.summary ?? ''), '', duration(c.durationMs)]);
      for (const id of c.findings) {
        const f = byId.get(id);
        if (f)
          rows.push([
            code(c.id),
            cell(c.type),
            OUTCOME_ICON[f.outcome] ?? cell(f.outcome),
            cell(f.message),
            cell(f.reason),
            duration(c.durationMs),
          ]);
      }
    }
    out.push(
      rows.length ? table(['Check', 'Type', 'Result', 'Finding', 'Why', 'Time'], rows) : '_no checks_\n',
    );
  }

  if (report.actions.length) {
    out.push('### Healing actions');
    out.push('');
    out.push(
      table(
        ['Time', 'Issue', 'Action', 'Target', 'Attempt', 'Success', 'Details', 'Duration'],
        report.actions.map((a) => [
          cell(a.timestamp),
          cell(a.issue),
          code(a.action),
          cell(a.target),
          String(a.attempt),
          a.success ? '✅' : '❌',
          cell(a.details),
          duration(a.durationMs),
        ]),
      ),
    );
    const s = report.auto_healing.summary;
    out.push(
      `Total actions ${s.total_actions}, successful ${s.successful}, failed ${s.failed}, success rate ${s.success_rate}.`,
    );
    out.push('');
  }

  const plans = report.findings.filter((f) => f.outcome === 'dry_run');
  if (plans.length) {
    out.push('### Dry-run plan');
    out.push('');
    out.push(
      table(
        ['Finding', 'Would do', 'Risk'],
        plans.map((f) => [cell(f.message), cell(f.plan ?? f.action), cell(f.risk)]),
      ),
    );
  }

  const pending = report.findings.filter((f) => f.outcome === 'awaiting_approval');
  if (pending.length) {
    out.push('### Pending approvals');
    out.push('');
    out.push(
      table(
        ['Id', 'Finding', 'Proposed action', 'Risk', 'Approve with'],
        pending.map((f) => [
          code(f.id),
          cell(f.message),
          cell(f.plan ?? f.action),
          cell(f.risk),
          `${code(`/orixoon approve ${f.id}`)} or input ${code(`approve: ${f.id}`)}`,
        ]),
      ),
    );
  }

  const failures = report.findings.filter((f) => f.failure);
  if (failures.length) {
    out.push('### Failure report');
    out.push('');
    for (const f of failures) {
      out.push(
        codeBlock(
          [
            `❌ HEALING FAILED: ${f.message}`,
            `   Attempted: ${f.failure!.attempted}`,
            `   Error: ${f.failure!.lastError}`,
            `   Recommendation: ${f.failure!.recommendation}`,
            '   Deployment: BLOCKED for safety',
          ].join('\n'),
        ),
      );
    }
    out.push('');
  }

  if (report.recommendations.length) {
    out.push('### Lasting fixes');
    out.push('');
    for (const r of report.recommendations) out.push(`- ${inert(r)}`);
    out.push('');
  }
  if (report.approvals.length) {
    out.push('### Approvals used');
    out.push('');
    for (const a of report.approvals)
      out.push(
        `- ${codeSpan(a.id)} via ${a.via}${a.by ? ` by ${codeSpan(`@${a.by}`)}` : ''}${a.at ? ` at ${inert(a.at)}` : ''}`,
      );
    out.push('');
  }
  return truncate(
    out.join('\n'),
    SUMMARY_LIMIT,
    "_Summary truncated to fit GitHub's 1 MiB limit: the full report is in report.json._",
  );
}
