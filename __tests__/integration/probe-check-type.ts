// A `test-probe` check type whose behaviour each test sets, registered the way a check type is
// (one registry entry). Import this module FIRST: the config schema is built from the registry when
// it is loaded, and only then accepts `type: test-probe`.
import { z } from 'zod';
import type { CheckType } from '../../src/checks/check-type.js';
import { CHECK_TYPES } from '../../src/checks/registry.js';
import type { Check } from '../../src/core/types.js';

export type Probe = Pick<Check, 'run'> & Partial<Pick<Check, 'verify'>>;

/** Check id → behaviour of the `test-probe` check with that id. */
export const probes = new Map<string, Probe>();

const probeType: CheckType = {
  type: 'test-probe',
  options: z.strictObject({}),
  create: (spec): Check => {
    const probe = probes.get(spec.id);
    if (!probe) throw new Error(`no probe set for check ${spec.id}`);
    return {
      id: spec.id,
      type: 'test-probe',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: {},
      ...probe,
    };
  },
};
if (!CHECK_TYPES.some((t) => t.type === probeType.type)) (CHECK_TYPES as CheckType[]).push(probeType);
