// The failure report of a finding healing could not fix: what was tried, the last error, and what a
// person should look at first.
import type { Finding } from '../core/types.js';
import { failureAdvice } from '../checks/catalog.js';
import type { FindingReport } from '../report/model.js';

export function failureReport(
  f: Pick<Finding, 'code'>,
  action: string,
  attempts: number,
  lastError: string,
): NonNullable<FindingReport['failure']> {
  return {
    attempted: `${action} (${attempts} time${attempts === 1 ? '' : 's'})`,
    attempts,
    lastError: lastError || 'unknown error',
    recommendation: failureAdvice(f.code),
  };
}
