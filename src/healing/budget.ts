// Decisions that outlive a run, as pure functions over a target's recorded history (the state store's
// rows): a heal budget per target within a window, backoff between heals that doubles from the
// cooldown to a cap and starts again after a healthy stretch (as CrashLoopBackOff does), and flaky
// targets — healed in K of their last M runs — whose actions then need confirmation.
// Nothing here reads a clock or a store: the caller passes `now` and the rows.
import { formatSeconds } from '../support/format.js';
import type { EventRow, TargetRun } from '../state/types.js';

export interface BudgetSettings {
  /** Heals of one target allowed within the window; undefined: no budget. */
  maxHealsPerTarget?: number;
  windowHours: number;
  /** The first backoff step: the session cooldown. */
  cooldownSeconds: number;
  /** The cap the backoff doubles up to; 0 turns backoff off. */
  backoffMaxSeconds: number;
  /** A target not healed for this long starts again from the cooldown. */
  backoffResetHours: number;
  /** Flaky: healed in `flakyHeals` of the last `flakyRuns` runs. */
  flakyRuns: number;
  flakyHeals: number;
}

/** The settings from `safety_limits` (see src/state/config.ts for the keys). */
export function budgetSettingsOf(limits: {
  cooldown_seconds: number;
  max_heals_per_target?: number;
  budget_window_hours: number;
  backoff_max_seconds: number;
  backoff_reset_hours: number;
  flaky_runs: number;
  flaky_heals: number;
}): BudgetSettings {
  return {
    maxHealsPerTarget: limits.max_heals_per_target,
    windowHours: limits.budget_window_hours,
    cooldownSeconds: limits.cooldown_seconds,
    backoffMaxSeconds: limits.backoff_max_seconds,
    backoffResetHours: limits.backoff_reset_hours,
    flakyRuns: limits.flaky_runs,
    flakyHeals: limits.flaky_heals,
  };
}

type HealRow = Pick<EventRow, 'at' | 'action' | 'attempts' | 'outcome'>;

/** A heal counts against a target when an action was tried on it, whatever its result. */
export function isHeal(e: HealRow): boolean {
  return e.action != null && e.attempts > 0;
}

/** The rows that are heals, newest first. */
function healsOf<T extends HealRow>(events: readonly T[]): T[] {
  return events.filter(isHeal).sort((a, b) => b.at - a.at);
}

const HOUR = 3_600_000;

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
}

/** `in 4 min`, or `now`. */
export function inTime(ms: number): string {
  return ms <= 0 ? 'now' : `in ${formatSeconds(Math.ceil(ms / 1000))}`;
}

export interface BudgetDecision {
  exhausted: boolean;
  /** null: no budget configured. */
  max: number | null;
  used: number;
  left: number | null;
  windowHours: number;
  /** The heals inside the window, newest first: what exhausted it. */
  history: HealRow[];
  /** When the oldest heal in the window leaves it (a heal is allowed again then); null when not exhausted. */
  freesAt: number | null;
  /** One line for the finding's reason. */
  reason: string;
  advice: string;
}

export function checkBudget(events: readonly HealRow[], now: number, s: BudgetSettings): BudgetDecision {
  const start = now - s.windowHours * HOUR;
  const history = healsOf(events).filter((e) => e.at > start && e.at <= now);
  const used = history.length;
  const max = s.maxHealsPerTarget ?? null;
  if (max === null) {
    return {
      exhausted: false,
      max,
      used,
      left: null,
      windowHours: s.windowHours,
      history,
      freesAt: null,
      reason: '',
      advice: '',
    };
  }
  const exhausted = used >= max;
  // The heal that frees a slot is the max-th newest: once it leaves the window, used < max.
  const freeing = exhausted && max > 0 ? history[max - 1] : undefined;
  const freesAt = exhausted ? (freeing ? freeing.at + s.windowHours * HOUR : null) : null;
  const list = history
    .slice(0, 5)
    .map((e) => `${when(e.at)} ${e.action} ${e.outcome}`)
    .join('; ');
  return {
    exhausted,
    max,
    used,
    left: Math.max(0, max - used),
    windowHours: s.windowHours,
    history,
    freesAt,
    reason: exhausted
      ? `heal budget exhausted: healed ${used} time${used === 1 ? '' : 's'} in the last ${s.windowHours} h ` +
        `(max_heals_per_target: ${max})${list ? `: ${list}` : ''}`
      : '',
    advice: exhausted
      ? `Healing keeps this target up but something keeps breaking it: fix the cause.` +
        (freesAt !== null ? ` The next heal is allowed ${inTime(freesAt - now)} (${when(freesAt)}).` : '')
      : '',
  };
}

export interface BackoffDecision {
  allowed: boolean;
  /** Heals in a row without a healthy stretch between them, the last one included. */
  streak: number;
  /** The wait owed after the last heal. */
  delaySeconds: number;
  nextAllowedAt: number | null;
  /** `next heal allowed in 8 min`, or '' when allowed. */
  message: string;
}

export function checkBackoff(events: readonly HealRow[], now: number, s: BudgetSettings): BackoffDecision {
  const heals = healsOf(events).filter((e) => e.at <= now);
  const resetMs = s.backoffResetHours * HOUR;
  const last = heals[0];
  if (!last || s.backoffMaxSeconds <= 0 || now - last.at >= resetMs) {
    return { allowed: true, streak: 0, delaySeconds: 0, nextAllowedAt: null, message: '' };
  }
  let streak = 1;
  while (streak < heals.length && heals[streak - 1]!.at - heals[streak]!.at < resetMs) streak++;
  // 2^(streak-1) from the cooldown, capped (the exponent is bounded so the number stays finite).
  const delaySeconds = Math.min(s.cooldownSeconds * 2 ** Math.min(streak - 1, 40), s.backoffMaxSeconds);
  const nextAllowedAt = last.at + delaySeconds * 1000;
  const allowed = now >= nextAllowedAt;
  return {
    allowed,
    streak,
    delaySeconds,
    nextAllowedAt,
    message: allowed
      ? ''
      : `next heal allowed ${inTime(nextAllowedAt - now)} (backoff ${formatSeconds(delaySeconds)} after ${streak} heal${streak === 1 ? '' : 's'} in a row)`,
  };
}

export type RunMark = '✅' | '🔧' | '❌';

/** 🔧 healed in that run, ❌ left broken, ✅ healthy (no finding, or recovered with its dependency). */
export function runMark(run: Pick<TargetRun, 'outcomes'>): RunMark {
  if (run.outcomes.includes('healed')) return '🔧';
  return run.outcomes.every((o) => o === 'recovered') ? '✅' : '❌';
}

export interface FlakyDecision {
  flaky: boolean;
  healedRuns: number;
  ofRuns: number;
  /** The last runs, oldest first: `✅✅🔧✅🔧🔧`. */
  strip: string;
  reason: string;
}

/** `runs` newest first (as the store gives them); only the last `flakyRuns` count. */
export function checkFlaky(
  runs: ReadonlyArray<Pick<TargetRun, 'outcomes'>>,
  s: BudgetSettings,
): FlakyDecision {
  const last = runs.slice(0, s.flakyRuns);
  const marks = last.map(runMark);
  const healedRuns = marks.filter((m) => m === '🔧').length;
  const flaky = healedRuns >= s.flakyHeals;
  const strip = [...marks].reverse().join('');
  return {
    flaky,
    healedRuns,
    ofRuns: last.length,
    strip,
    reason: flaky
      ? `flaky: healed in ${healedRuns} of its last ${last.length} runs (${strip}); its actions need confirmation`
      : '',
  };
}

export type HealGate =
  | { decision: 'allow' }
  /** Blocks: the new outcome `budget_exhausted`. */
  | { decision: 'budget_exhausted'; reason: string; advice: string }
  /** Not yet: the session's `limit_reached`, with the message. */
  | { decision: 'backoff'; reason: string; nextAllowedAt: number }
  /** The action needs approval whatever its risk (`awaiting_approval` until approved). */
  | { decision: 'needs_confirmation'; reason: string; strip: string };

/**
 * What a target's history allows for its next heal: the budget first (it blocks), then backoff (it
 * waits), then flakiness (it asks). `history` is the store's `targetHistory` for the target, asked
 * with `since: now - windowHours` (at least the backoff reset) and `lastRuns: flakyRuns`.
 */
export function gateHeal(
  history: { events: readonly HealRow[]; runs: ReadonlyArray<Pick<TargetRun, 'outcomes'>> },
  now: number,
  s: BudgetSettings,
): HealGate & { budget: BudgetDecision; backoff: BackoffDecision; flaky: FlakyDecision } {
  const budget = checkBudget(history.events, now, s);
  const backoff = checkBackoff(history.events, now, s);
  const flaky = checkFlaky(history.runs, s);
  const all = { budget, backoff, flaky };
  if (budget.exhausted)
    return { decision: 'budget_exhausted', reason: budget.reason, advice: budget.advice, ...all };
  if (!backoff.allowed)
    return { decision: 'backoff', reason: backoff.message, nextAllowedAt: backoff.nextAllowedAt!, ...all };
  if (flaky.flaky)
    return { decision: 'needs_confirmation', reason: flaky.reason, strip: flaky.strip, ...all };
  return { decision: 'allow', ...all };
}

/** How far back a target's history must be read for these settings. */
export function historySince(now: number, s: BudgetSettings): number {
  return now - Math.max(s.windowHours, s.backoffResetHours) * HOUR;
}
