// The report's per-target history block from a real SQLite store: strips, flaky targets, budgets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetSettingsOf } from '../../src/healing/budget.js';
import { healBudgetSchema } from '../../src/state/config.js';
import { healGateFor } from '../../src/state/gate.js';
import { historyBlock } from '../../src/state/history-block.js';
import { openStateStore } from '../../src/state/index.js';
import type { RecordedOutcome } from '../../src/state/types.js';

const dir = mkdtempSync(join(tmpdir(), 'orixoon-history-block-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const H = 3_600_000;

describe('per-target history block', () => {
  it('shows the strip oldest first, flags a flaky target and an exhausted budget', async () => {
    const { store } = await openStateStore({ cwd: dir, config: { path: 'state.db' } });
    const now = Date.now();
    // Six runs, one an hour: the container was healed in runs 3, 5 and 6; the web check always passed.
    const plan: Array<RecordedOutcome | null> = [null, null, 'healed', null, 'healed', 'healed'];
    for (const [i, outcome] of plan.entries()) {
      const at = now - (6 - i) * H;
      await store!.recordRun(
        {
          repository: null,
          workflow: null,
          runId: String(i),
          commit: null,
          startedAt: at,
          endedAt: at + 5000,
          verdict: outcome ? 'healed' : 'passed',
        },
        [
          { checkId: 'redis', status: outcome ? 'healed' : 'passed' },
          { checkId: 'web', status: 'passed' },
        ],
        outcome
          ? [
              {
                at,
                checkId: 'redis',
                target: 'shop-redis-1',
                host: '',
                code: 'container_not_running',
                action: 'start_container',
                outcome,
                attempts: 1,
                durationMs: 900,
                error: null,
              },
            ]
          : [],
      );
    }
    const settings = budgetSettingsOf({
      cooldown_seconds: 60,
      ...healBudgetSchema.parse({ max_heals_per_target: 3 }),
    });
    const finding = { checkId: 'redis', target: 'shop-redis-1', evidence: {} };
    const [block] = await historyBlock(store!, { findings: [finding] as never }, settings, now);
    expect(block).toMatchObject({
      checkId: 'redis',
      target: 'shop-redis-1',
      strip: '✅✅🔧✅🔧🔧',
      flaky: true,
      healedRuns: 3,
      ofRuns: 6,
      budget: { used: 3, max: 3, left: 0, windowHours: 24 },
      next: 'budget_exhausted',
      // The oldest of the three heals (4 h ago) leaves the 24 h window in 20 h.
      nextHealAllowedAt: new Date(now - 4 * H + 24 * H).toISOString(),
    });
    expect(block!.reason).toMatch(/^heal budget exhausted: healed 3 times in the last 24 h/);
    const loose = await historyBlock(
      store!,
      { findings: [finding] as never },
      { ...settings, maxHealsPerTarget: undefined },
      now,
    );
    expect(loose[0]).toMatchObject({ next: 'needs_confirmation', nextHealAllowedAt: null });
    const gate = await healGateFor(store!, { checkId: 'redis', target: 'shop-redis-1' }, settings, now);
    expect(gate).toMatchObject({
      decision: 'budget_exhausted',
      budget: { used: 3 },
      flaky: { strip: '✅✅🔧✅🔧🔧' },
    });
    // Another target of the same check has its own, untouched history.
    const other = await healGateFor(store!, { checkId: 'redis', target: 'shop-redis-2' }, settings, now);
    expect(other).toMatchObject({
      decision: 'allow',
      budget: { used: 0, left: 3 },
      flaky: { strip: '✅✅✅✅✅✅' },
    });
    await store!.close();
  });
});
