// Approvals as plain data: which approval (the `approve` input or a PR comment's record) counts for
// a finding, and what the policy decides with it, without it, and in a dry run.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import {
  approvalFor,
  approvalId,
  decide,
  inputApproves,
  newSessionState,
  retryDecision,
  type PolicyInput,
} from '../../src/healing/policy.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import type { Finding } from '../../src/core/types.js';
import type { ApprovalRecord } from '../../src/report/model.js';

const crash: Finding = {
  code: 'crash_loop',
  checkId: 'api',
  target: 'api',
  targetKey: 'container:api',
  message: "Container 'api' restarting in a loop",
  evidence: {},
  params: { container: 'api' },
};
const id = approvalId(crash, 'abc1234');
const fr = { id, checkId: 'api', code: crash.code };
const at = '2026-01-01T00:00:00.000Z';

function input(over: Partial<PolicyInput> = {}, cfg: Record<string, unknown> = {}): PolicyInput {
  return {
    finding: crash,
    config: configSchema.parse(cfg),
    remedies: REMEDIES,
    autoHeal: true,
    dryRun: false,
    guards: {},
    session: newSessionState(),
    now: 1_000_000,
    approved: false,
    ...over,
  };
}

describe('approval ids', () => {
  test('the same check, code, target and commit give the same id; another commit another id', () => {
    expect(id).toMatch(/^ox-[0-9a-f]{10}$/);
    expect(approvalId(crash, 'abc1234')).toBe(id);
    expect(approvalId(crash, 'def5678')).not.toBe(id);
    expect(approvalId({ ...crash, targetKey: 'container:web' }, 'abc1234')).not.toBe(id);
  });
});

describe('approval from the input', () => {
  test('all, the approval id, the check id or checkId:code approve; anything else does not', () => {
    for (const entry of ['all', id, 'api', 'api:crash_loop'])
      expect(inputApproves(new Set([entry]), fr), entry).toBe(true);
    for (const entry of ['web', 'api:memory_leak', 'ox-0000000000', ''])
      expect(inputApproves(new Set([entry]), fr), entry).toBe(false);
  });

  test('the input wins over a comment, and is recorded as the input', () => {
    const comment: ApprovalRecord = { id, via: 'comment', by: 'mia', at };
    expect(approvalFor(fr, new Set(['api']), [comment], at)).toEqual({ id, via: 'input', at });
  });
});

describe('approval from a comment', () => {
  test("a comment's record counts only for the finding its id names", () => {
    const mine: ApprovalRecord = { id, via: 'comment', by: 'mia', at, url: 'https://example.test/c/1' };
    const other: ApprovalRecord = { id: 'ox-0000000000', via: 'comment', by: 'mia', at };
    expect(approvalFor(fr, new Set(), [mine], at)).toBe(mine);
    expect(approvalFor(fr, new Set(), [other], at)).toBeUndefined();
    expect(approvalFor(fr, new Set(), [undefined], at)).toBeUndefined();
    expect(approvalFor(fr, new Set(), [], at)).toBeUndefined();
  });
});

describe('what the policy decides with approvals', () => {
  test('high risk without an approval: awaiting_approval with the plan a person approves', () => {
    expect(decide(input())).toEqual({
      kind: 'stop',
      outcome: 'awaiting_approval',
      reason: 'high-risk action recreate_container requires confirmation',
      action: 'recreate_container',
      risk: 'high',
      plan: expect.stringMatching(
        /^recreate_container on api: .*\(because: Container 'api' restarting in a loop\)$/,
      ),
    });
  });

  test('high risk with an approval: acted on', () => {
    expect(decide(input({ approved: true }))).toMatchObject({
      kind: 'act',
      action: 'recreate_container',
      risk: 'high',
      category: 'container',
    });
  });

  test('a dry run never acts, approved or not; without an approval it still says approval is needed', () => {
    expect(decide(input({ approved: true, dryRun: true }))).toMatchObject({
      kind: 'stop',
      outcome: 'dry_run',
      reason: 'dry run: nothing was changed',
    });
    expect(decide(input({ dryRun: true }))).toMatchObject({ outcome: 'awaiting_approval' });
  });

  test('low risk needs no approval unless requires_confirmation says so', () => {
    const down: Finding = { ...crash, code: 'container_not_running' };
    expect(decide(input({ finding: down }))).toMatchObject({ kind: 'act' });
    expect(
      decide(
        input(
          { finding: down },
          { healing_actions: { container_not_running: { requires_confirmation: true } } },
        ),
      ),
    ).toMatchObject({
      outcome: 'awaiting_approval',
      reason: 'low-risk action start_container requires confirmation',
    });
  });

  test('an approval never overrides a guard or a disabled heal', () => {
    expect(decide(input({ approved: true, guards: { systemic: 'systemic' } }))).toMatchObject({
      outcome: 'guarded',
    });
    expect(decide(input({ approved: true, autoHeal: false }))).toMatchObject({ outcome: 'disabled' });
  });
});

describe('before a retry', () => {
  test('gone → healed; now needs a person → not healable; another problem → changed; same → retried', () => {
    expect(retryDecision('gone', crash)).toEqual({ kind: 'healed' });
    expect(retryDecision({ ...crash, manual: 'fix the image' }, crash)).toEqual({
      kind: 'not_healable',
      reason: 'fix the image',
    });
    expect(retryDecision({ ...crash, code: 'memory_leak', message: 'leaking' }, crash)).toEqual({
      kind: 'changed',
      code: 'memory_leak',
      message: 'leaking',
    });
    const again = { ...crash, evidence: { restarts: 9 } };
    expect(retryDecision(again, crash)).toEqual({ kind: 'retry', finding: again });
  });
});
