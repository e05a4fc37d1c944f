// Running checks: a check's first run (memoized, so a dependency checked early is not run twice), the
// re-test after an action, and the re-checks healing asks for. A check that cannot run (or is cut
// off) becomes a `check_error` finding, which always blocks.
import { delay, errorMessage, type AbortRace } from '../support/abortable.js';
import type { Check, CheckResult, Finding, RunContext, VerifyResult } from '../core/types.js';

export interface CheckState {
  check: Check;
  first?: Promise<CheckResult>;
  result?: CheckResult;
  durationMs: number;
  resolution?: Promise<boolean>;
  /** Set when any action ran on this check's findings (a later finding of it is re-tested first). */
  acted: boolean;
  /** False for a check outside the `phases` selection: evaluated as a dependency, never healed. */
  selected: boolean;
  /** Its findings were shown on the console (in its phase, or earlier when resolved on demand). */
  printed: boolean;
  /** Every finding of it has its outcome (resolution finished). */
  done?: boolean;
}

export function newCheckState(check: Check, selected: boolean, printed = false): CheckState {
  return { check, durationMs: 0, acted: false, selected, printed };
}

/** The finding of a check that could not run or did not finish: never healable, always blocks. */
export function checkErrorFinding(check: Pick<Check, 'id' | 'type'>, why: string): Finding {
  return {
    code: 'check_error',
    checkId: check.id,
    target: check.id,
    targetKey: `check:${check.id}`,
    message: `Check '${check.id}' (${check.type}) ${why}`,
    evidence: {},
    manual: `the ${check.type} check ${why}`,
  };
}

export const sameFinding = (a: Finding, b: Finding): boolean =>
  a.code === b.code && a.targetKey === b.targetKey;

/** The finding `f` as the check reports it now: the same one, or (exclusive checks) its new form. */
export function currentForm(check: Check, findings: Finding[], f: Finding): Finding | undefined {
  return (
    findings.find((x) => sameFinding(x, f)) ??
    (check.exclusiveFindings
      ? findings.find((x) => x.targetKey === f.targetKey && (x.severity ?? 'error') === 'error')
      : undefined)
  );
}

export interface Evaluator {
  /** The check's first run (once per run). */
  evaluate(st: CheckState): Promise<CheckResult>;
  /** Re-runs a check (poll-driven, short intervals) until the finding is gone or the time is up. */
  retest(check: Check, finding: Finding, timeoutMs: number): Promise<VerifyResult>;
  /** Runs the check once more: the finding as it is now, or 'gone'. A check that errors keeps the old one. */
  redetect(check: Check, finding: Finding): Promise<Finding | 'gone'>;
  /** Every finding of a check as it is now (none when the check cannot run: its first run said so). */
  redetectAll(check: Check): Promise<Finding[]>;
}

export interface EvaluatorOptions {
  ctx: RunContext;
  race: AbortRace;
  /** Why the run stopped, once it has (a check cut off did not fail, it did not finish). */
  stopped: () => string | undefined;
  /** Told of every first result (the systemic guard counts them, the report keeps advice). */
  onResult: (st: CheckState, result: CheckResult) => void;
}

export function createEvaluator({ ctx, race, stopped, onResult }: EvaluatorOptions): Evaluator {
  const { signal, deadline } = ctx;
  const runOnce = (check: Check, what: string): Promise<CheckResult> => race.race(check.run(ctx), what);

  return {
    evaluate(st) {
      st.first ??= (async () => {
        const t0 = Date.now();
        let result: CheckResult;
        try {
          result = await runOnce(st.check, `check ${st.check.id}`);
        } catch (e) {
          // Stopped by the deadline or a cancel: it did not fail, it did not finish (and still blocks).
          const stop = stopped();
          const why = stop ? `did not finish: ${stop}` : `could not run: ${errorMessage(e)}`;
          result = { findings: [checkErrorFinding(st.check, why)] };
        }
        st.durationMs = Date.now() - t0;
        st.result = result;
        onResult(st, result);
        return result;
      })();
      return st.first;
    },

    async retest(check, finding, timeoutMs) {
      const end = Math.min(Date.now() + timeoutMs, deadline);
      if (check.verify) {
        try {
          return await race.race(check.verify(finding, ctx, Math.max(0, end - Date.now())), 're-test');
        } catch (e) {
          return { ok: false, detail: `re-test failed: ${errorMessage(e)}` };
        }
      }
      let wait = 100;
      let last = '';
      for (;;) {
        try {
          const r = await runOnce(check, 're-test');
          const still = currentForm(check, r.findings, finding);
          if (!still)
            return { ok: true, detail: r.summary ? `${check.id}: ${r.summary}` : `${check.id} passed` };
          last = still.message;
        } catch (e) {
          last = errorMessage(e);
        }
        if (Date.now() + wait > end || signal.aborted) return { ok: false, detail: `still failing: ${last}` };
        await delay(wait, signal);
        wait = Math.min(wait * 2, 1000);
      }
    },

    async redetect(check, finding) {
      try {
        const r = await runOnce(check, 're-check');
        return currentForm(check, r.findings, finding) ?? 'gone';
      } catch {
        return finding;
      }
    },

    async redetectAll(check) {
      try {
        return (await runOnce(check, 're-check')).findings;
      } catch {
        return [];
      }
    },
  };
}
