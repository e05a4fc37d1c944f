// The one verdict and deployment decision. The engine calls it once when it builds the report; the
// step, the check run, the PR comment mode, notifications and every renderer read what it decided.
import type { FindingReport, RunReport } from './model.js';

/** The `fail-on` input: whether unresolved warnings hold the deployment too, or nothing does. */
export type FailOn = 'blocked' | 'warning' | 'never';

/** Why a run ended before its work did (deadline, cancel, unexpected error): it always blocks. */
export type Interruption = NonNullable<RunReport['interrupted']>;

export interface VerdictInput {
  findings: ReadonlyArray<Pick<FindingReport, 'severity' | 'outcome'>>;
  /** Default `blocked`. */
  failOn?: FailOn;
  /**
   * The run itself failed whatever its findings say: a plan that could not be built, nothing
   * configured, nothing discovered. The headline then names the first of `errors`.
   */
  runFailed?: boolean;
  errors?: readonly string[];
  interrupted?: Interruption;
}

export type ReportVerdict = Pick<RunReport, 'verdict' | 'deployment' | 'counts' | 'headline'>;

/** The headline's words for an interrupted run: `deadline reached: …`, `cancelled: …`. */
export function interruptionHeadline(i: Interruption): string {
  if (i.reason === 'deadline') return `deadline reached: ${i.detail}`;
  return i.detail;
}

function fixed(f: Pick<FindingReport, 'outcome'>): boolean {
  return f.outcome === 'healed' || f.outcome === 'recovered';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The verdict (an error finding not healed, or a failed or interrupted run, blocks; warnings never
 * do), the deployment decision (the verdict under `fail-on`), the counts and the headline.
 */
export function buildVerdict(input: VerdictInput): ReportVerdict {
  const { findings, interrupted } = input;
  const errors = findings.filter((f) => f.severity === 'error');
  const blocking = errors.filter((f) => !fixed(f));
  const verdict: RunReport['verdict'] =
    blocking.length || input.runFailed || interrupted ? 'blocked' : errors.length ? 'healed' : 'passed';

  const failOn = input.failOn ?? 'blocked';
  const unresolvedWarnings = findings.some((f) => f.severity === 'warning' && !fixed(f));
  const deployment: RunReport['deployment'] =
    failOn !== 'never' && (verdict === 'blocked' || (failOn === 'warning' && unresolvedWarnings))
      ? 'blocked'
      : 'allowed';

  const count = (outcome: FindingReport['outcome']): number =>
    findings.filter((f) => f.outcome === outcome).length;
  const counts: RunReport['counts'] = {
    findings: findings.length,
    healed: count('healed'),
    recovered: count('recovered'),
    failed: findings.filter((f) => !fixed(f) && f.outcome !== 'awaiting_approval').length,
    awaitingApproval: count('awaiting_approval'),
    blocked: blocking.length,
  };

  const notHealed = `${plural(blocking.length, 'finding')} not healed`;
  const warningsLeft = findings.filter((f) => f.severity === 'warning' && !fixed(f)).length;
  // The headline states the deployment decision, the one the step and the check run act on; where
  // fail-on makes it differ from the verdict, it says so.
  const headline = interrupted
    ? `Deployment: ${deployment === 'blocked' ? 'BLOCKED' : 'ALLOWED by fail-on: never'} (${interruptionHeadline(interrupted)}${blocking.length ? `; ${notHealed}` : ''})`
    : verdict === 'blocked'
      ? `Deployment: ${deployment === 'blocked' ? 'BLOCKED' : 'ALLOWED by fail-on: never'} (${blocking.length ? notHealed : (input.errors?.[0] ?? 'run failed')})`
      : deployment === 'blocked'
        ? `Deployment: BLOCKED by fail-on: warning (${plural(warningsLeft, 'warning')} not resolved)`
        : verdict === 'passed'
          ? 'Deployment: ALLOWED (all checks passed)'
          : `Deployment: ALLOWED (healed ${plural(counts.healed + counts.recovered, 'finding')})`;

  return { verdict, deployment, counts, headline };
}
