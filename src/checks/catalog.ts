// The issue codes with their default action, risk and title, assembled from the check types'
// declarations (src/checks/registry.ts). Risk drives the default of `requires_confirmation`
// (high = confirmation required).
import type { Finding, IssueCode, Risk } from '../core/types.js';
import { ISSUE_DECLARATIONS, issueCodes } from './registry.js';
import { withHealingPlan, type HealingPlan } from './check-type.js';

export interface IssueDefaults {
  /** Default remedy action, or null when the code is never healed automatically. */
  action: string | null;
  risk: Risk;
  /** Short title for tables. */
  title: string;
  /** What to look at when it stays broken, when the code declares it. */
  advice?: string;
}

/** What the report recommends when a finding stays broken: its code's advice, else a general one. */
export function failureAdvice(code: IssueCode): string {
  return ISSUE_DECLARATIONS[code]?.advice ?? 'Investigate manually before deploying';
}

/**
 * Every declared code → its defaults. A live view of the registry: a check type registered later
 * (a plugin, a test) is here as soon as it is registered. Reading an undeclared code gives undefined.
 */
export const ISSUE_CATALOG: Readonly<Record<IssueCode, IssueDefaults>> = ISSUE_DECLARATIONS;

export { issueCodes };
export type { HealingPlan };

/** Whether a code is declared by a registered check type (or is the engine's own `check_error`). */
export function isIssueCode(code: string): code is IssueCode {
  return Object.hasOwn(ISSUE_DECLARATIONS, code);
}

/**
 * The finding with its code's declared healing rule applied (action, params, or why a person must
 * act). Findings from registered check types already carry it; the policy may call this for any other.
 */
export function withDeclaredPlan(finding: Finding): Finding {
  return withHealingPlan(finding, ISSUE_DECLARATIONS[finding.code]);
}
