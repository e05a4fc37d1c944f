// What healing says on the console and in the healing log: one place for its wording, so the
// attempt loop reads as what it does.
import type { RunLog } from '../core/types.js';
import type { Finding } from '../core/types.js';
import type { ApprovalRecord, FindingReport } from '../report/model.js';
import type { Decision, DependencyDecision } from './policy.js';

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A decision not to act, said once per finding. */
export function sayStop(
  log: RunLog,
  f: Finding,
  fr: FindingReport,
  d: Extract<Decision, { kind: 'stop' }>,
  approveHint: (id: string) => string,
): void {
  switch (d.outcome) {
    case 'awaiting_approval':
      log.say(`⚠️ Confirmation required (${cap(d.risk)} risk action): ${d.plan}`);
      log.say(`   Approve with: ${approveHint(fr.id)}`);
      log.warn(`Awaiting approval ${fr.id}: ${d.plan}`);
      break;
    case 'dry_run':
      log.say(`🔍 DRY RUN: would ${d.plan}`);
      log.info(`Dry run: would run ${d.action} on ${f.target}`);
      break;
    case 'budget_exhausted':
      log.say(`🪫 Not healed [${f.checkId}] (heal budget exhausted): ${d.reason}`);
      log.warn(`Heal budget exhausted for ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case 'limit_reached':
      log.say(`⛔ Not healed [${f.checkId}] (limit reached): ${d.reason}`);
      log.warn(`Limit reached for ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case 'guarded':
      log.say(`🛡️ Not healed [${f.checkId}] (guard): ${d.reason}`);
      log.warn(`Guard stopped healing of ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case 'disabled':
      log.say(`⏸️ Not healed [${f.checkId}]: ${d.reason}`);
      log.info(`Healing disabled for ${f.code}: ${d.reason}`);
      break;
    default:
      log.say(`🚫 Not healable [${f.checkId}]: ${d.reason}`);
      log.info(`Not healable: ${f.code} on ${f.target}: ${d.reason}`);
  }
}

export function sayApprovalUsed(
  log: RunLog,
  fr: FindingReport,
  risk: string,
  approval: ApprovalRecord,
): void {
  log.say(`⚠️ Confirmation required (${cap(risk)} risk action): approved by ${approval.by ?? approval.via}`);
  log.info(`Approval ${fr.id} used (${approval.via}${approval.by ? ` by ${approval.by}` : ''})`);
}

/** The failure report: what was tried, the last error, what to do, and that the deployment is held. */
export function sayFailure(log: RunLog, f: Finding, fail: NonNullable<FindingReport['failure']>): void {
  log.say(`❌ HEALING FAILED: ${f.message}`);
  log.say(`   Attempted: ${fail.attempted}`);
  log.say(`   Error: ${fail.lastError}`);
  log.say(`   Recommendation: ${fail.recommendation}`);
  log.say('   Deployment: BLOCKED for safety');
}

export function sayBlockedByDependency(log: RunLog, f: Finding, brokenDeps: string[]): void {
  log.say(`⛓️ Not healed: ${f.target} depends on ${brokenDeps.join(', ')}, which is still broken`);
  log.warn(`${f.code} on ${f.target} blocked by dependency ${brokenDeps.join(', ')}`);
}

export function sayRetestFirst(
  log: RunLog,
  d: Extract<DependencyDecision, { kind: 'retest' }>,
  checkId: string,
  budget: string,
): void {
  if (d.waitForStabilization)
    log.say(`⏳ Re-testing ${checkId} now that its root cause was healed (up to ${budget})…`);
}

export function sayRecovered(log: RunLog, f: Finding, detail: string): void {
  log.say(`✓ Re-test: ${detail} (recovered)`);
  log.success(`${f.code} on ${f.target} recovered: ${detail}`);
}

/** A finding that a re-check after healing found (an action can cause what it did not find). */
export function sayFoundAfterHealing(log: RunLog, f: Finding): void {
  log.say(`❌ ${f.message} (found on re-check after healing)`);
  log.info(`Detected issue after healing: ${f.code} (${f.target})`);
}
