// What the engine itself says on the console: each check's first result, and the run-wide guards.
// Healing's own lines live in healing/console.ts.
import type { Logger } from '../support/logger.js';
import type { CheckResult, Check } from '../core/types.js';

/** A check's first results; a check resolved ahead of its phase says which phase it is from. */
export function sayCheckResult(log: Logger, check: Check, result: CheckResult, early: boolean): void {
  const from = early ? ` (${check.phase}, checked early as a dependency)` : '';
  if (!result.findings.length) log.say(`✓ ${check.id}: ${result.summary ?? 'passed'}${from}`);
  for (const f of result.findings) {
    log.say(`${f.severity === 'warning' ? '⚠️' : '❌'} ${f.message}${from}`);
    log.info(`Detected issue: ${f.code} (${f.target})`);
  }
}

/** A guard that disables healing for the whole run: said on the console (when `icon`) and logged. */
export function sayGuard(log: Logger, message: string, level: 'warn' | 'error', icon?: string): void {
  if (icon) log.say(`${icon} ${message}`);
  if (level === 'warn') log.warn(message);
  else log.error(message);
}

/** A run-level failure (the plan, an unexpected error). */
export function sayRunError(log: Logger, icon: string, message: string): void {
  log.say(`${icon} ${message}`);
  log.error(message);
}
