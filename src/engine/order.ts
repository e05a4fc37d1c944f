// Root causes first: a check is resolved only after the checks it depends on (config depends_on and
// Compose's depends_on labels), and what happens to each of its findings given those dependencies is
// the policy's dependency decision: blocked, re-tested first, or healed.
import { formatMillisecondsAsSeconds } from '../support/format.js';
import type { Logger } from '../support/logger.js';
import type { OrixoonConfig } from '../config/schema.js';
import type { Finding } from '../core/types.js';
import type { FindingReport } from '../report/model.js';
import { dependencyDecision } from '../healing/policy.js';
import {
  sayBlockedByDependency,
  sayFoundAfterHealing,
  sayRecovered,
  sayRetestFirst,
} from '../healing/console.js';
import { sameFinding, type CheckState, type Evaluator } from './evaluate.js';

export interface OrderContext {
  states: ReadonlyMap<string, CheckState>;
  evaluator: Evaluator;
  log: Logger;
  signal: AbortSignal;
  config: OrixoonConfig;
  /** Where every finding's report goes, in the order outcomes are known. */
  findings: FindingReport[];
  /** A finding's report entry before anything is decided. */
  report(f: Finding, phase: string): FindingReport;
  /** Heals one finding (policy + attempt loop) under the run's guards as they are now. */
  heal(st: CheckState, f: Finding, phase: string): Promise<FindingReport>;
  /** Shows a check's first result once (early = resolved ahead of its phase). */
  print(st: CheckState, early: boolean): void;
  /** What a re-test of up to `ms` really gets (never past the deadline). */
  retestBudgetMs(ms: number): number;
}

const isError = (f: Finding): boolean => (f.severity ?? 'error') === 'error';

/**
 * Compose-label dependencies, mapped to the ids of the checks looking at those services: the checks
 * of the same type as `st` (the type that reports Compose identities) whose service it depends on.
 */
export async function composeDependencies(
  st: CheckState,
  states: ReadonlyMap<string, CheckState>,
  evaluator: Evaluator,
): Promise<string[]> {
  const compose = st.result?.facts?.compose;
  if (!compose?.dependsOn.length) return [];
  const out: string[] = [];
  for (const other of states.values()) {
    if (other === st || other.check.type !== st.check.type) continue;
    const oc = (await evaluator.evaluate(other)).facts?.compose;
    if (oc && oc.project === compose.project && compose.dependsOn.includes(oc.service))
      out.push(other.check.id);
  }
  return out;
}

/**
 * Resolves a check: heals its findings after its dependencies are resolved; true when it ends up
 * passing. Memoized: a dependency in a later phase is resolved on demand and reported under its own phase.
 */
export function createResolver(oc: OrderContext): (st: CheckState) => Promise<boolean> {
  const { states, evaluator, log, config, findings } = oc;
  const stableTimeoutMs = config.auto_healing.stabilization_timeout_seconds * 1000;

  const resolve = (st: CheckState, trail: string[] = []): Promise<boolean> => {
    st.resolution ??= (async () => {
      const result = await evaluator.evaluate(st);
      // Outside the selected phases: checked so its dependents know, but never healed or reported.
      if (!st.selected) return !result.findings.some(isError);
      oc.print(st, true);
      const depIds = [
        ...new Set([...st.check.dependsOn, ...(await composeDependencies(st, states, evaluator))]),
      ].filter((d) => states.has(d) && !trail.includes(d));
      const brokenDeps: string[] = [];
      let rootActed = false;
      for (const d of depIds) {
        const dst = states.get(d)!;
        if (!(await resolve(dst, [...trail, st.check.id]))) brokenDeps.push(d);
        if (dst.acted) rootActed = true;
      }
      const phase = st.check.phase;
      let allOk = true;
      const healAndRecord = async (f: Finding): Promise<void> => {
        const fr = await oc.heal(st, f, phase);
        findings.push(fr);
        if (fr.outcome !== 'healed' && fr.outcome !== 'recovered' && isError(f)) allOk = false;
      };
      for (const f of result.findings) {
        const d = dependencyDecision({
          code: f.code,
          brokenDeps,
          unselectedDeps: brokenDeps.filter((id) => !states.get(id)!.selected),
          preventCascade: config.safety_limits.prevent_cascade_restarts,
          rootActed,
          checkActed: st.acted,
        });
        if (d.kind === 'blocked') {
          const fr = oc.report(f, phase);
          fr.outcome = d.outcome;
          fr.action = null;
          fr.reason = d.reason;
          findings.push(fr);
          sayBlockedByDependency(log, f, brokenDeps);
          allOk = false;
          continue;
        }
        if (d.kind === 'retest') {
          sayRetestFirst(
            log,
            d,
            st.check.id,
            formatMillisecondsAsSeconds(oc.retestBudgetMs(stableTimeoutMs)),
          );
          const r = await evaluator.retest(st.check, f, d.waitForStabilization ? stableTimeoutMs : 0);
          if (r.ok) {
            const fr = oc.report(f, phase);
            fr.outcome = 'recovered';
            fr.reason = d.recoveredReason;
            fr.retest = r.detail;
            fr.action = null;
            findings.push(fr);
            sayRecovered(log, f, r.detail);
            continue;
          }
        }
        await healAndRecord(f);
      }
      // An action can cause what it did not find (requeued rows now over max_pending): one more look.
      if (st.acted && !oc.signal.aborted) {
        const seen = result.findings;
        const again = await evaluator.redetectAll(st.check);
        for (const f of again.filter((x) => !seen.some((y) => sameFinding(x, y)))) {
          sayFoundAfterHealing(log, f);
          await healAndRecord(f);
        }
      }
      st.done = true;
      return allOk;
    })();
    return st.resolution;
  };
  return (st) => resolve(st);
}
