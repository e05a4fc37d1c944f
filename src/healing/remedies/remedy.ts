// What a remedy runs with, typed over the run's targets: a remedy imports targets and core only.
import type { RemedyContext as CoreRemedyContext } from '../../core/types.js';
import type { Targets } from '../../targets/index.js';
import type { ProcessGroups } from '../../targets/exec.js';

export type RemedyContext = CoreRemedyContext<Targets, ProcessGroups>;
