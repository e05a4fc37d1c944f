// A `test-probe` check type whose behaviour each test sets, registered the way a check type is
// (one `registerCheckType` line). The config schema reads the registry when a config is loaded, so
// this module only has to be imported before the first config with `type: test-probe` is loaded.
import { z } from 'zod';
import type { CheckType } from '../../src/checks/check-type.js';
import { checkType, registerCheckType } from '../../src/checks/registry.js';
import type { Check } from '../../src/core/types.js';

export type Probe = Pick<Check, 'run'> & Partial<Pick<Check, 'verify'>>;

/** Check id → behaviour of the `test-probe` check with that id. */
export const probes = new Map<string, Probe>();

const probeType: CheckType = {
  type: 'test-probe',
  description: 'a test double whose behaviour each test sets',
  codes: {},
  targets: [],
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
if (!checkType(probeType.type)) registerCheckType(probeType);
