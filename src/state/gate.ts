// One call for the healing engine before it heals a target: its recorded history read from the store
// and judged by the budget, backoff and flaky rules.
import { gateHeal, historySince, type BudgetSettings } from '../healing/budget.js';
import type { StateStore, TargetIdentity } from './types.js';

export async function healGateFor(
  store: StateStore,
  target: TargetIdentity,
  settings: BudgetSettings,
  now = Date.now(),
): Promise<ReturnType<typeof gateHeal>> {
  const history = await store.targetHistory(target, {
    since: historySince(now, settings),
    lastRuns: settings.flakyRuns,
  });
  return gateHeal(history, now, settings);
}
