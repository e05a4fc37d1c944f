// The one set of icons and words every Markdown report uses (job summary, PR comment, check run), so
// a reviewer reads the same "🔗 blocked by dependency" wherever they look.
import type { Outcome, Verdict } from '../core/types.js';
import type { CheckReport, FindingReport, RunReport } from './model.js';

interface Word {
  icon: string;
  word: string;
}

const OUTCOME_WORDS: Record<Outcome, Word> = {
  healed: { icon: '✅', word: 'healed' },
  recovered: { icon: '✅', word: 'recovered' },
  failed: { icon: '❌', word: 'failed' },
  not_healable: { icon: '🚫', word: 'not healable' },
  disabled: { icon: '⏸️', word: 'healing disabled' },
  limit_reached: { icon: '🛑', word: 'limit reached' },
  budget_exhausted: { icon: '🪫', word: 'heal budget exhausted' },
  awaiting_approval: { icon: '⏳', word: 'awaiting approval' },
  dry_run: { icon: '🧪', word: 'would heal (dry run)' },
  guarded: { icon: '🛡️', word: 'guarded' },
  blocked_by_dependency: { icon: '🔗', word: 'blocked by dependency' },
  locked: { icon: '🔒', word: 'locked by another run' },
};

const PASSED: Word = { icon: '✅', word: 'passed' };

/**
 * Unresolved outcomes from the most to the least pressing: a heal that failed or was stopped comes
 * before one that waits for a person, and a dependent blocked by its root cause comes last (fixing the
 * root cause clears it).
 */
export const BLOCKING_ORDER: readonly Outcome[] = [
  'failed',
  'locked',
  'guarded',
  'budget_exhausted',
  'limit_reached',
  'not_healable',
  'awaiting_approval',
  'disabled',
  'dry_run',
  'blocked_by_dependency',
];

/** Every outcome in display order: unresolved first, then resolved. */
export const OUTCOME_ORDER: readonly Outcome[] = [...BLOCKING_ORDER, 'healed', 'recovered'];

export function isResolved(outcome: Outcome): boolean {
  return outcome === 'healed' || outcome === 'recovered';
}

/** `❌ failed`, `🔗 blocked by dependency`, … (unknown outcomes print as they are). */
export function outcomeLabel(outcome: Outcome): string {
  const w = OUTCOME_WORDS[outcome];
  return w ? `${w.icon} ${w.word}` : String(outcome);
}

/** `❌ 2 failed`: the outcome's icon, a count (kept on the icon's line), its word. */
export function outcomeCount(outcome: Outcome, count: number): string {
  const w = OUTCOME_WORDS[outcome] ?? { icon: '', word: String(outcome) };
  return `${w.icon}\u00a0${count} ${w.word}`.trim();
}

/** `✅ 5 checks passed`. */
export function passedCount(count: number, of?: number): string {
  return `${PASSED.icon}\u00a0${count}${of === undefined ? '' : ` of ${of}`} check${(of ?? count) === 1 ? '' : 's'} passed`;
}

/** A check that found nothing wrong. */
export const PASSED_LABEL = `${PASSED.icon} ${PASSED.word}`;

const VERDICT_TITLE: Record<Verdict, string> = {
  passed: '✅ Orixoon pre-deployment: passed',
  healed: '🩹 Orixoon pre-deployment: healed',
  blocked: '⛔ Orixoon pre-deployment: blocked',
};

export function verdictTitle(report: RunReport | null): string {
  return report
    ? VERDICT_TITLE[report.verdict]
    : '⛔ Orixoon pre-deployment: blocked (configuration invalid)';
}

/** Section headings, so the summary and the comment name the same things alike. */
export const HEADINGS = {
  blocking: '🚧 Blocking the deployment',
  unresolved: '🚧 Not healed',
  pending: '⏳ Pending approvals',
  dryRun: '🧪 Dry-run plan',
  dependencies: '🔗 Check dependencies',
  healed: '🩹 Healed',
  actions: '🔧 Healing actions',
  timeline: '⏱️ Heal timeline',
  failures: '❌ Failure reports',
  errors: '❗ Errors',
  fixes: '💡 Lasting fixes',
} as const;

/**
 * GitHub alert type for the verdict: CAUTION when the deployment is held, WARNING when something
 * stayed broken but `fail-on` lets the deployment go on, TIP when all is well.
 */
export function alertKind(report: RunReport | null): 'CAUTION' | 'WARNING' | 'TIP' {
  if (!report || report.deployment === 'blocked') return 'CAUTION';
  return report.verdict === 'blocked' ? 'WARNING' : 'TIP';
}

/** The outcome a check is drawn with: its most pressing finding's, or passed. */
export function checkOutcome(check: CheckReport, byId: Map<string, FindingReport>): Outcome | 'passed' {
  let best: Outcome | 'passed' = 'passed';
  let rank = Infinity;
  for (const id of check.findings) {
    const f = byId.get(id);
    if (!f) continue;
    const r = OUTCOME_ORDER.indexOf(f.outcome);
    if (r >= 0 && r < rank) {
      rank = r;
      best = f.outcome;
    }
  }
  return best;
}

/** Counts at a glance: `❌ 1 failed · 🔗 2 blocked by dependency · ✅ 3 healed · ✅ 6 of 12 checks passed`. */
export function glance(report: RunReport): string {
  const parts: string[] = [];
  for (const outcome of OUTCOME_ORDER) {
    const n = report.findings.filter((f) => f.outcome === outcome).length;
    if (n) parts.push(outcomeCount(outcome, n));
  }
  const checks = report.phases.flatMap((p) => p.checks);
  if (checks.length) {
    const passed = checks.filter((c) => c.status === 'passed').length;
    parts.push(passedCount(passed, checks.length));
  }
  return parts.join(' · ');
}

/** Blocking findings, most pressing first: errors before warnings, then by outcome, then in run order. */
export function byUrgency(findings: FindingReport[]): FindingReport[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        (a.f.severity === 'warning' ? 1 : 0) - (b.f.severity === 'warning' ? 1 : 0) ||
        OUTCOME_ORDER.indexOf(a.f.outcome) - OUTCOME_ORDER.indexOf(b.f.outcome) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}

export { formatMilliseconds } from '../support/format.js';
