// The per-target history block of a run's report (report.json, the summary, the PR comment): for each
// target the run found something on, its recent runs as a strip (✅✅🔧✅🔧🔧), whether it is flaky, its
// heal budget and when its next heal is allowed. Read after the run is recorded, so it includes it.
import { gateHeal, historySince, type BudgetSettings } from '../healing/budget.js';
import type { RunReport, TargetHistoryBlock } from '../report/model.js';
import { hostOf } from './record.js';
import type { StateStore } from './types.js';

export type { TargetHistoryBlock };

export async function historyBlock(
  store: StateStore,
  report: Pick<RunReport, 'findings'>,
  settings: BudgetSettings,
  now = Date.now(),
): Promise<TargetHistoryBlock[]> {
  const seen = new Map<string, { checkId: string; target: string; host: string }>();
  for (const f of report.findings) {
    const t = { checkId: f.checkId, target: f.target, host: hostOf(f) };
    seen.set(JSON.stringify(t), t);
  }
  const blocks: TargetHistoryBlock[] = [];
  for (const t of seen.values()) {
    const h = await store.targetHistory(t, {
      since: historySince(now, settings),
      lastRuns: settings.flakyRuns,
    });
    const g = gateHeal(h, now, settings);
    const next =
      g.decision === 'budget_exhausted'
        ? g.budget.freesAt
        : g.decision === 'backoff'
          ? g.nextAllowedAt
          : null;
    blocks.push({
      ...t,
      strip: g.flaky.strip,
      flaky: g.flaky.flaky,
      healedRuns: g.flaky.healedRuns,
      ofRuns: g.flaky.ofRuns,
      budget: {
        used: g.budget.used,
        max: g.budget.max,
        left: g.budget.left,
        windowHours: g.budget.windowHours,
      },
      nextHealAllowedAt: next === null ? null : new Date(next).toISOString(),
      next: g.decision,
      reason: g.decision === 'allow' ? '' : g.reason,
    });
  }
  return blocks;
}
