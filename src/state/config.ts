// Config keys of the state store and of the budgets that outlive a run. The config schema takes
// `state: stateSchema.prefault({})` as a top-level key and spreads `healBudgetKeys` into
// `safety_limits`.
import * as z from 'zod';
import { DEFAULT_STATE_PATH } from './types.js';

const HOURS_IN_A_YEAR = 24 * 366;
const A_DAY = 86_400;

export { DEFAULT_STATE_PATH };

export const stateSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .optional()
      .describe(`SQLite file that keeps the heal history between runs (default ${DEFAULT_STATE_PATH}).`),
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional()
      .describe('PostgreSQL URL of a store shared by many runners (schema `orixoon`); wins over path.'),
    required: z
      .boolean()
      .default(false)
      .describe('Block the run when the store cannot be read or written (default: a warning).'),
  })
  .strict()
  .describe('Where Orixoon remembers its runs: heal history, budgets and flaky targets.');

/** Keys for `safety_limits`: budgets, backoff and flaky-target escalation across runs. */
export const healBudgetKeys = {
  max_heals_per_target: z
    .number()
    .int()
    .nonnegative()
    .max(1000)
    .optional()
    .describe(
      'Heals of one target allowed within budget_window_hours across runs; past it the finding blocks.',
    ),
  budget_window_hours: z
    .number()
    .positive()
    .max(HOURS_IN_A_YEAR)
    .default(24)
    .describe('The window max_heals_per_target counts in.'),
  backoff_max_seconds: z
    .number()
    .nonnegative()
    .max(A_DAY)
    .default(3600)
    .describe(
      'Backoff between heals of one target across runs doubles from cooldown_seconds up to this. 0 turns it off.',
    ),
  backoff_reset_hours: z
    .number()
    .positive()
    .max(HOURS_IN_A_YEAR)
    .default(2)
    .describe('A target healthy (not healed) this long starts its backoff from cooldown_seconds again.'),
  flaky_runs: z
    .number()
    .int()
    .min(2)
    .max(100)
    .default(6)
    .describe('A target is flaky when healed in flaky_heals of its last flaky_runs runs.'),
  flaky_heals: z
    .number()
    .int()
    .positive()
    .max(100)
    .default(3)
    .describe(
      'Heals within the last flaky_runs runs that make a target flaky: its actions then need approval.',
    ),
};

export const healBudgetSchema = z.object(healBudgetKeys).strict();

export type StateConfig = z.infer<typeof stateSchema>;
export type HealBudgetConfig = z.infer<typeof healBudgetSchema>;
