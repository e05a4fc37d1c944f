// The state and budget config keys: defaults, and bad values refused with the key named.
import { describe, expect, it } from 'vitest';
import { healBudgetSchema, stateSchema } from '../../src/state/config.js';

describe('state config', () => {
  it('defaults to the SQLite file, not required', () => {
    expect(stateSchema.parse({})).toEqual({ required: false });
    expect(stateSchema.parse({ url: 'postgresql://u@h/db', required: true })).toEqual({
      url: 'postgresql://u@h/db',
      required: true,
    });
  });

  it('refuses unknown keys, a URL that is not PostgreSQL and an empty path', () => {
    const problems = (v: unknown) =>
      stateSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(problems({ pth: 'x' })).toEqual([expect.stringContaining('pth')]);
    expect(problems({ url: 'mysql://h/db' })).toEqual([expect.stringMatching(/^url: .*postgres:\/\//)]);
    expect(problems({ path: '' })).toEqual([expect.stringMatching(/^path: /)]);
    expect(problems({ required: 'yes' })).toEqual([expect.stringMatching(/^required: /)]);
  });

  it('bounds the budget keys', () => {
    for (const bad of [
      { max_heals_per_target: -1 },
      { max_heals_per_target: 1.5 },
      { budget_window_hours: 0 },
      { backoff_max_seconds: 86_401 },
      { flaky_runs: 1 },
      { flaky_heals: 0 },
    ]) {
      expect(healBudgetSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(healBudgetSchema.parse({ max_heals_per_target: 0 }).max_heals_per_target).toBe(0);
  });
});
