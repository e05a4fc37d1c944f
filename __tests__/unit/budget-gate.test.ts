// The heal history's word on a decision, against a real SQLite state file: a spent budget, a flaky
// target in a dry run, a store that fails to answer, and no store at all.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { Finding, RunContext } from '../../src/core/types.js';
import { applyHealGate } from '../../src/healing/budget-gate.js';
import { newFindingReport } from '../../src/healing/heal.js';
import type { Decision } from '../../src/healing/policy.js';
import { openStateStore } from '../../src/state/index.js';
import type { StateStore } from '../../src/state/types.js';
import { tempDir } from '../helpers/engine.js';

const finding: Finding = {
  code: 'container_not_running',
  checkId: 'app',
  target: 'web',
  targetKey: 'container:web',
  message: "Docker container 'web' not running",
  evidence: {},
};
const plan: Decision = {
  kind: 'stop',
  outcome: 'dry_run',
  reason: 'dry run: nothing was changed',
  action: 'start_container',
  risk: 'low',
  plan: 'start_container on web',
  category: 'container',
};

function context(limits: Record<string, unknown>, stateStore?: StateStore) {
  const said: string[] = [];
  const log = { say: (t: string) => said.push(t), warn: (t: string) => said.push(t) };
  const config = configSchema.parse({ safety_limits: limits });
  return { hc: { config, run: { log } as unknown as RunContext, stateStore }, said };
}

async function storeWithHeals(n: number): Promise<StateStore> {
  const { store } = await openStateStore({ cwd: tempDir(), config: { path: join(tempDir(), 's.db') } });
  for (let i = 0; i < n; i++) {
    const at = Date.now() - (n - i) * 60_000;
    await store!.recordRun(
      {
        repository: null,
        workflow: null,
        runId: null,
        commit: null,
        startedAt: at,
        endedAt: at,
        verdict: 'healed',
      },
      [{ checkId: 'app', status: 'healed' }],
      [
        {
          at,
          checkId: 'app',
          target: 'web',
          host: '',
          code: 'container_not_running',
          action: 'start_container',
          outcome: 'healed',
          attempts: 1,
          durationMs: 100,
          error: null,
        },
      ],
    );
  }
  return store!;
}

describe('applyHealGate', () => {
  it('leaves the decision as it is without a store', async () => {
    const { hc } = context({ max_heals_per_target: 0 });
    const fr = newFindingReport(finding, 'p');
    const r = await applyHealGate(hc, finding, fr, plan, undefined, () => Promise.resolve(undefined));
    expect(r.decision).toBe(plan);
  });

  it('a spent budget makes a dry run budget_exhausted too, with the heals that spent it', async () => {
    const store = await storeWithHeals(2);
    const { hc } = context({ max_heals_per_target: 2, backoff_max_seconds: 0 }, store);
    const r = await applyHealGate(hc, finding, newFindingReport(finding, 'p'), plan, undefined, () =>
      Promise.resolve(undefined),
    );
    expect(r.decision).toMatchObject({ kind: 'stop', outcome: 'budget_exhausted' });
    expect((r.decision as { reason: string }).reason).toMatch(
      /^heal budget exhausted: healed 2 times in the last 24 h .*start_container healed.*fix the cause/,
    );
    await store.close();
  });

  it('a flaky target in a dry run waits for approval, high risk, with its strip', async () => {
    const store = await storeWithHeals(3);
    const { hc } = context({ flaky_runs: 4, flaky_heals: 3, backoff_max_seconds: 0 }, store);
    let asked = 0;
    const r = await applyHealGate(hc, finding, newFindingReport(finding, 'p'), plan, undefined, () => {
      asked++;
      return Promise.resolve(undefined);
    });
    expect(asked).toBe(1);
    expect(r.decision).toMatchObject({
      kind: 'stop',
      outcome: 'awaiting_approval',
      risk: 'high',
      plan: 'start_container on web',
      reason: 'flaky: healed in 3 of its last 3 runs (🔧🔧🔧); its actions need confirmation',
    });
    await store.close();
  });

  it('a store that fails to answer is a warning; the decision stands (session limits still hold)', async () => {
    const store = await storeWithHeals(0);
    await store.close();
    const { hc, said } = context({ max_heals_per_target: 0 }, store);
    const r = await applyHealGate(hc, finding, newFindingReport(finding, 'p'), plan, undefined, () =>
      Promise.resolve(undefined),
    );
    expect(r.decision).toBe(plan);
    expect(said[0]).toMatch(/^⚠️ Heal history of web could not be read \(budget and backoff not applied\): /);
  });
});
