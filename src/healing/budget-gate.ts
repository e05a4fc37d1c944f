// The heal history's word on one finding, applied to the policy's decision before anything runs: a
// spent budget blocks (`budget_exhausted`), a backoff waits (`limit_reached`, "next heal allowed in
// N"), a flaky target's action needs approval whatever its risk. Without a state store the decision
// stands as it is (the session limits still hold).
import type { OrixoonConfig } from '../config/schema.js';
import type { Finding, RunContext } from '../core/types.js';
import type { ApprovalRecord, FindingReport } from '../report/model.js';
import { healGateFor } from '../state/gate.js';
import { hostOf } from '../state/record.js';
import type { StateStore } from '../state/types.js';
import { budgetSettingsOf } from './budget.js';
import type { Decision } from './policy.js';
import { errorMessage } from '../support/abortable.js';

type Stop = Extract<Decision, { kind: 'stop' }>;

/** Decisions the history can change: an action that would run, be planned, or wait for approval. */
function gated(d: Decision): boolean {
  return d.kind === 'act' || d.outcome === 'dry_run' || d.outcome === 'awaiting_approval';
}

export async function applyHealGate(
  hc: { config: OrixoonConfig; run: RunContext; stateStore?: StateStore },
  f: Finding,
  fr: FindingReport,
  decision: Decision,
  approval: ApprovalRecord | undefined,
  findApproval: () => Promise<ApprovalRecord | undefined>,
): Promise<{ decision: Decision; approval: ApprovalRecord | undefined }> {
  const store = hc.stateStore;
  if (!store || !gated(decision)) return { decision, approval };
  const { log } = hc.run;
  let gate: Awaited<ReturnType<typeof healGateFor>>;
  try {
    gate = await healGateFor(
      store,
      { checkId: f.checkId, target: f.target, host: hostOf(fr) },
      budgetSettingsOf(hc.config.safety_limits),
    );
  } catch (e) {
    // The same as a store that cannot be reached: the history's limits are off, the session's hold.
    log.say(
      `⚠️ Heal history of ${f.target} could not be read (budget and backoff not applied): ${errorMessage(e)}`,
    );
    log.warn(`Heal history of ${f.target} could not be read: ${errorMessage(e)}`);
    return { decision, approval };
  }
  const stop = (outcome: Stop['outcome'], reason: string, plan?: string): Stop => ({
    kind: 'stop',
    outcome,
    reason,
    action: decision.action,
    risk: decision.risk,
    plan: plan ?? (decision.kind === 'stop' ? decision.plan : undefined),
  });
  switch (gate.decision) {
    case 'allow':
      return { decision, approval };
    case 'budget_exhausted':
      return { decision: stop('budget_exhausted', `${gate.reason}. ${gate.advice}`), approval };
    case 'backoff':
      return { decision: stop('limit_reached', gate.reason), approval };
    case 'needs_confirmation': {
      // Treated as a high-risk action: it runs only with an approval.
      const approved = approval ?? (await findApproval());
      if (decision.kind === 'act' && approved)
        return { decision: { ...decision, risk: 'high' }, approval: approved };
      if (decision.kind === 'stop' && decision.outcome === 'dry_run' && approved)
        return {
          decision: { ...decision, risk: 'high', reason: `${decision.reason}; ${gate.reason}` },
          approval,
        };
      const plan =
        decision.kind === 'act'
          ? `${decision.action} on ${f.target}: ${decision.remedy.describe(f)} (because: ${f.message})`
          : decision.plan;
      return {
        decision: { ...stop('awaiting_approval', gate.reason, plan), risk: 'high' },
        approval: undefined,
      };
    }
  }
}
