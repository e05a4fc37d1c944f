// Budgets, backoff and flaky-target escalation over recorded history rows: pure decisions.
import { describe, expect, it } from 'vitest';
import {
  budgetSettingsOf,
  checkBackoff,
  checkBudget,
  checkFlaky,
  gateHeal,
  historySince,
  runMark,
  type BudgetSettings,
} from '../../src/healing/budget.js';
import { healBudgetSchema } from '../../src/state/config.js';
import type { RecordedOutcome } from '../../src/state/types.js';

const H = 3_600_000;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const S: BudgetSettings = budgetSettingsOf({
  cooldown_seconds: 60,
  ...healBudgetSchema.parse({ max_heals_per_target: 3 }),
});

const heal = (hoursAgo: number, outcome: RecordedOutcome = 'healed') => ({
  at: NOW - hoursAgo * H,
  action: 'start_container',
  attempts: 1,
  outcome,
});
const seen = (hoursAgo: number, outcome: RecordedOutcome = 'recovered') => ({
  at: NOW - hoursAgo * H,
  action: null,
  attempts: 0,
  outcome,
});
/** Runs newest first (as the store gives them) from a strip written oldest first. */
const runs = (strip: string) =>
  [...strip]
    .map((m) => ({ outcomes: (m === '🔧' ? ['healed'] : m === '❌' ? ['failed'] : []) as RecordedOutcome[] }))
    .reverse();

describe('heal budget per target', () => {
  it('defaults: no budget unless max_heals_per_target is set, a 24 h window', () => {
    const d = healBudgetSchema.parse({});
    expect(d).toEqual({
      budget_window_hours: 24,
      backoff_max_seconds: 3600,
      backoff_reset_hours: 2,
      flaky_runs: 6,
      flaky_heals: 3,
    });
    const s = budgetSettingsOf({ cooldown_seconds: 60, ...d });
    expect(checkBudget([heal(1), heal(2), heal(3), heal(4)], NOW, s)).toMatchObject({
      exhausted: false,
      max: null,
      used: 4,
    });
  });

  it('counts the heals tried within the window, failed ones too, never findings without an action', () => {
    const d = checkBudget([heal(1), heal(2, 'failed'), seen(3), seen(4, 'failed'), heal(30)], NOW, S);
    expect(d).toMatchObject({ exhausted: false, used: 2, left: 1, max: 3 });
  });

  it('is exhausted at max heals in the window, with the history that did it and when it frees up', () => {
    const d = checkBudget([heal(20), heal(1), heal(5), heal(25)], NOW, S);
    expect(d.exhausted).toBe(true);
    expect(d.used).toBe(3);
    expect(d.left).toBe(0);
    expect(d.history.map((e) => e.at)).toEqual([NOW - H, NOW - 5 * H, NOW - 20 * H]);
    // The oldest heal in the window (20 h ago) leaves it 4 h from now.
    expect(d.freesAt).toBe(NOW + 4 * H);
    expect(d.reason).toBe(
      'heal budget exhausted: healed 3 times in the last 24 h (max_heals_per_target: 3): ' +
        '2026-03-01 11:00 UTC start_container healed; 2026-03-01 07:00 UTC start_container healed; ' +
        '2026-02-28 16:00 UTC start_container healed',
    );
    expect(d.advice).toMatch(/fix the cause\. The next heal is allowed in 4 h \(2026-03-01 16:00 UTC\)\./);
  });

  it('a budget of 0 allows no heal at all', () => {
    expect(checkBudget([], NOW, { ...S, maxHealsPerTarget: 0 })).toMatchObject({
      exhausted: true,
      freesAt: null,
    });
  });
});

describe('backoff between heals across runs', () => {
  const s = { ...S, maxHealsPerTarget: undefined };
  const m = 60_000;
  it('allows the first heal and the one after a healthy stretch', () => {
    expect(checkBackoff([], NOW, s)).toMatchObject({ allowed: true, streak: 0 });
    expect(checkBackoff([heal(2)], NOW, s)).toMatchObject({ allowed: true, streak: 0 });
  });

  it('doubles from the cooldown with each heal in a row, up to the cap', () => {
    const at = (minutesAgo: number) => ({ ...heal(0), at: NOW - minutesAgo * m });
    // One heal 30 s ago: one cooldown (60 s), 30 s left.
    expect(checkBackoff([{ ...heal(0), at: NOW - 30_000 }], NOW, s)).toMatchObject({
      allowed: false,
      streak: 1,
      delaySeconds: 60,
      nextAllowedAt: NOW + 30_000,
      message: 'next heal allowed in 30s (backoff 60s after 1 heal in a row)',
    });
    // Heals 10, 20, 30 min ago: streak 3 → 240 s since the last: allowed (10 min passed).
    expect(checkBackoff([at(10), at(20), at(30)], NOW, s)).toMatchObject({
      allowed: true,
      streak: 3,
      delaySeconds: 240,
    });
    // Five heals a minute apart, the last one a minute ago: 60·2⁴ = 960 s, 900 s left.
    const five = [1, 2, 3, 4, 5].map(at);
    expect(checkBackoff(five, NOW, s)).toMatchObject({
      allowed: false,
      streak: 5,
      delaySeconds: 960,
      message: 'next heal allowed in 15 min (backoff 16 min after 5 heals in a row)',
    });
    // Ten in a row: capped at backoff_max_seconds.
    const ten = Array.from({ length: 10 }, (_, i) => at(i + 1));
    expect(checkBackoff(ten, NOW, s)).toMatchObject({ streak: 10, delaySeconds: 3600 });
  });

  it('starts again from the cooldown after a healthy stretch between heals', () => {
    // 3 heals long ago (> 2 h gap), then one 30 s ago: streak 1 again.
    const d = checkBackoff(
      [
        { ...heal(0), at: NOW - 30_000 },
        heal(5),
        { ...heal(5), at: NOW - 5 * H - m },
        { ...heal(5), at: NOW - 5 * H - 2 * m },
      ],
      NOW,
      s,
    );
    expect(d).toMatchObject({ streak: 1, delaySeconds: 60, allowed: false });
  });

  it('is off with backoff_max_seconds 0', () => {
    expect(checkBackoff([{ ...heal(0), at: NOW - 1000 }], NOW, { ...s, backoffMaxSeconds: 0 })).toMatchObject(
      { allowed: true },
    );
  });
});

describe('flaky targets', () => {
  it('marks each run: healed 🔧, left broken ❌, healthy or recovered ✅', () => {
    expect(runMark({ outcomes: [] })).toBe('✅');
    expect(runMark({ outcomes: ['recovered'] })).toBe('✅');
    expect(runMark({ outcomes: ['healed', 'failed'] })).toBe('🔧');
    expect(runMark({ outcomes: ['budget_exhausted'] })).toBe('❌');
  });

  it('is flaky when healed in K of its last M runs, with the strip oldest first', () => {
    const d = checkFlaky(runs('✅✅🔧✅🔧🔧'), S);
    expect(d).toMatchObject({ flaky: true, healedRuns: 3, ofRuns: 6, strip: '✅✅🔧✅🔧🔧' });
    expect(d.reason).toBe(
      'flaky: healed in 3 of its last 6 runs (✅✅🔧✅🔧🔧); its actions need confirmation',
    );
    expect(checkFlaky(runs('✅✅🔧✅✅🔧'), S)).toMatchObject({ flaky: false, healedRuns: 2 });
    // Only the last M runs count: older heals fall out.
    expect(checkFlaky(runs('🔧🔧🔧✅✅✅✅✅✅'), S)).toMatchObject({
      flaky: false,
      healedRuns: 0,
      strip: '✅✅✅✅✅✅',
    });
  });
});

describe('the heal gate', () => {
  it('budget first (blocks), then backoff (waits), then flakiness (asks)', () => {
    const all = [heal(1), heal(2), heal(3)];
    expect(gateHeal({ events: all, runs: runs('🔧🔧🔧') }, NOW, S).decision).toBe('budget_exhausted');
    const recent = [{ ...heal(0), at: NOW - 10_000 }];
    expect(gateHeal({ events: recent, runs: runs('🔧🔧🔧') }, NOW, S)).toMatchObject({
      decision: 'backoff',
      nextAllowedAt: NOW + 50_000,
    });
    expect(gateHeal({ events: [heal(1)], runs: runs('🔧✅🔧✅🔧') }, NOW, S)).toMatchObject({
      decision: 'needs_confirmation',
      strip: '🔧✅🔧✅🔧',
    });
    expect(gateHeal({ events: [heal(1)], runs: runs('✅✅🔧') }, NOW, S).decision).toBe('allow');
    expect(historySince(NOW, S)).toBe(NOW - 24 * H);
  });
});
