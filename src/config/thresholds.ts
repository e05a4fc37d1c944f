// A check's threshold may also sit under `healing_actions.<code>` (the documented way for the seeds'
// configs); the check's own option wins over it. One lookup for every check type.
import type { CheckConfigView } from '../core/config-view.js';
import type { IssueCode } from '../core/types.js';

/** A number from `healing_actions.<code>.<key>`, when it is one (a numeric string counts). */
export function thresholdFromConfig(
  config: CheckConfigView | undefined,
  code: IssueCode,
  key: string,
): number | undefined {
  const v = config?.healing_actions?.[code]?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
