// Dependencies as plain data: a finding whose root cause is still broken is not healed (no cascade
// of restarts); once its root cause was acted on it is re-tested before anything else is done.
import { describe, expect, test } from 'vitest';
import { dependencyDecision, type DependencyInput } from '../../src/healing/policy.js';

const input = (over: Partial<DependencyInput> = {}): DependencyInput => ({
  code: 'endpoint_down',
  brokenDeps: [],
  unselectedDeps: [],
  preventCascade: true,
  rootActed: false,
  checkActed: false,
  ...over,
});

describe('dependency decisions', () => {
  test('a dependency that failed and stayed unhealed: the dependant is blocked, saying which and why', () => {
    expect(dependencyDecision(input({ brokenDeps: ['db'] }))).toEqual({
      kind: 'blocked',
      outcome: 'blocked_by_dependency',
      reason: 'root cause not healed: db still failing (prevent_cascade_restarts)',
    });
    // Even when an action ran on the root: it did not fix it, so the dependant is not touched.
    expect(dependencyDecision(input({ brokenDeps: ['db', 'cache'], rootActed: true }))).toMatchObject({
      kind: 'blocked',
      reason: 'root cause not healed: db, cache still failing (prevent_cascade_restarts)',
    });
  });

  test('a broken dependency outside the selected phases is named as not healed in this run', () => {
    expect(dependencyDecision(input({ brokenDeps: ['db', 'cache'], unselectedDeps: ['cache'] }))).toEqual({
      kind: 'blocked',
      outcome: 'blocked_by_dependency',
      reason:
        'root cause not healed: db, cache still failing (prevent_cascade_restarts); cache not in the selected phases, so not healed in this run',
    });
  });

  test('root healed: the dependant is re-tested, waiting for it to stabilise, before it is healed itself', () => {
    expect(dependencyDecision(input({ rootActed: true }))).toEqual({
      kind: 'retest',
      waitForStabilization: true,
      recoveredReason: 'passed on re-test after its root cause was healed',
    });
  });

  test('an earlier finding of the same check was acted on: looked at once more, without waiting', () => {
    expect(dependencyDecision(input({ checkActed: true }))).toEqual({
      kind: 'retest',
      waitForStabilization: false,
      recoveredReason: 'passed on re-test',
    });
  });

  test('nothing acted on and no broken dependency: healed on its own', () => {
    expect(dependencyDecision(input())).toEqual({ kind: 'heal' });
  });

  test('prevent_cascade_restarts off: a broken dependency does not stop the dependant', () => {
    expect(dependencyDecision(input({ brokenDeps: ['db'], preventCascade: false }))).toEqual({
      kind: 'heal',
    });
    expect(
      dependencyDecision(input({ brokenDeps: ['db'], preventCascade: false, rootActed: true })),
    ).toMatchObject({ kind: 'retest', waitForStabilization: true });
  });

  test('a check that could not run is never "recovered" by a re-test: it goes to the policy as it is', () => {
    expect(dependencyDecision(input({ code: 'check_error', rootActed: true, checkActed: true }))).toEqual({
      kind: 'heal',
    });
    expect(dependencyDecision(input({ code: 'check_error', brokenDeps: ['db'] }))).toMatchObject({
      kind: 'blocked',
    });
  });
});
