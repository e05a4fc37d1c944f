// The job summary (GitHub's step summary, also saved as summary.md): verdict, a table per phase, the
// healing actions, pending approvals and lasting-fix recommendations, within GitHub's 1 MiB limit.
import type { RunReport } from './model.js';
import { OUTCOME_ICON, VERDICT_ICON, duration, table, truncate } from './markdown.js';

/** GitHub rejects step summaries over 1 MiB; stay well below it. */
export const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

export function renderSummary(report: RunReport, extraNotes: string[] = []): string {
  const out: string[] = [];
  out.push(`## ${VERDICT_ICON[report.verdict]} Orixoon: ${report.verdict.toUpperCase()}`);
  out.push('');
  out.push(`**${report.headline}**`);
  out.push('');
  const mode = [
    report.mode.dryRun ? '**dry run** (nothing was changed)' : null,
    report.mode.autoHeal ? 'auto-heal on' : 'auto-heal off',
    report.mode.discovered ? 'discovered defaults' : `config \`${report.mode.configPath}\``,
    `${duration(report.durationMs)}`,
  ].filter(Boolean);
  out.push(mode.join(' · '));
  out.push('');
  for (const note of [...report.notes, ...extraNotes]) out.push(`> ${note}`);
  if (report.notes.length || extraNotes.length) out.push('');
  for (const e of report.errors) out.push(`> ❗ ${e}`);
  if (report.errors.length) out.push('');

  const byId = new Map(report.findings.map((f) => [f.id, f]));
  for (const phase of report.phases) {
    out.push(`### Phase: ${phase.name} — ${phase.status}`);
    out.push('');
    const rows: unknown[][] = [];
    for (const c of phase.checks) {
      if (!c.findings.length)
        rows.push([`\`${c.id}\``, c.type, '✅ passed', c.summary ?? '', '', duration(c.durationMs)]);
      for (const id of c.findings) {
        const f = byId.get(id);
        if (f)
          rows.push([
            `\`${c.id}\``,
            c.type,
            OUTCOME_ICON[f.outcome],
            f.message,
            f.reason,
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
          a.timestamp,
          a.issue,
          `\`${a.action}\``,
          a.target,
          a.attempt,
          a.success ? '✅' : '❌',
          a.details,
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
        plans.map((f) => [f.message, f.plan ?? f.action, f.risk]),
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
          `\`${f.id}\``,
          f.message,
          f.plan ?? f.action,
          f.risk,
          `\`/orixoon approve ${f.id}\` or input \`approve: ${f.id}\``,
        ]),
      ),
    );
  }

  const failures = report.findings.filter((f) => f.failure);
  if (failures.length) {
    out.push('### Failure report');
    out.push('');
    for (const f of failures) {
      out.push('```');
      out.push(`❌ HEALING FAILED: ${f.message}`);
      out.push(`   Attempted: ${f.failure!.attempted}`);
      out.push(`   Error: ${f.failure!.lastError}`);
      out.push(`   Recommendation: ${f.failure!.recommendation}`);
      out.push('   Deployment: BLOCKED for safety');
      out.push('```');
    }
    out.push('');
  }

  if (report.recommendations.length) {
    out.push('### Lasting fixes');
    out.push('');
    for (const r of report.recommendations) out.push(`- ${r}`);
    out.push('');
  }
  if (report.approvals.length) {
    out.push('### Approvals used');
    out.push('');
    for (const a of report.approvals)
      out.push(`- \`${a.id}\` via ${a.via}${a.by ? ` by @${a.by}` : ''}${a.at ? ` at ${a.at}` : ''}`);
    out.push('');
  }
  return truncate(
    out.join('\n'),
    SUMMARY_LIMIT,
    "_Summary truncated to fit GitHub's 1 MiB limit: the full report is in report.json._",
  );
}
