// What a remedy declares and runs with. A remedy file imports targets and core only; one line in
// registry.ts adds its remedies.
import type { Remedy, RemedyContext as CoreRemedyContext, Risk } from '../../core/types.js';
import type { Targets } from '../../targets/index.js';
import type { ProcessGroups } from '../../targets/exec.js';

export type RemedyContext = CoreRemedyContext<Targets, ProcessGroups>;

/** The check's own `url` option, if it has one (else the target uses the run's default). */
export function optionUrl(options: Record<string, unknown>): string | undefined {
  return typeof options.url === 'string' ? options.url : undefined;
}

/** A remedy as a remedy file declares it: its action name, risk and the system (target) it acts on. */
export type RemedyDeclaration = Remedy & { risk: Risk; system: string };
