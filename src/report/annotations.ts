// The workflow run's annotations: one per finding left unresolved, so the run page lists what blocked
// (and what only warns) without opening the log. Read from the built report; decides nothing.
import type { FailOn } from './build.js';
import type { FindingReport, RunReport } from './model.js';

export interface Annotation {
  level: 'error' | 'warning';
  title: string;
  message: string;
}

/**
 * GitHub shows at most 10 error and 10 warning annotations of a step; the step's own failure message
 * takes one error, so findings get one fewer.
 */
export const ANNOTATION_LIMITS = { error: 9, warning: 10 } as const;

const fixed = (f: FindingReport): boolean => f.outcome === 'healed' || f.outcome === 'recovered';

function messageOf(f: FindingReport): string {
  const lines = [f.message, `${f.outcome.replace(/_/g, ' ')}: ${f.reason || 'not healed'}`];
  if (f.outcome === 'awaiting_approval') {
    lines.push(`Approve with a PR comment: /orixoon approve ${f.id} (or the approve input: ${f.id})`);
  }
  if (f.failure) lines.push(`Recommendation: ${f.failure.recommendation}`);
  return lines.join('\n');
}

/**
 * An annotation per unresolved finding: an error where it blocks the deployment (an error-level
 * finding, or a warning under fail-on `warning`), a warning otherwise (`fail-on: never` blocks
 * nothing). Past a level's limit, the last one says how many more there are.
 */
export function findingAnnotations(report: RunReport, failOn: FailOn = 'blocked'): Annotation[] {
  const all = report.findings
    .filter((f) => !fixed(f))
    .map((f): Annotation => {
      const blocks = failOn !== 'never' && (f.severity === 'error' || failOn === 'warning');
      return { level: blocks ? 'error' : 'warning', title: `${f.checkId}: ${f.code}`, message: messageOf(f) };
    });
  const out: Annotation[] = [];
  for (const level of ['error', 'warning'] as const) {
    const these = all.filter((a) => a.level === level);
    const limit = ANNOTATION_LIMITS[level];
    if (these.length <= limit) {
      out.push(...these);
      continue;
    }
    const rest = these.length - (limit - 1);
    out.push(...these.slice(0, limit - 1), {
      level,
      title: `${rest} more ${level === 'error' ? 'blocking' : 'warning'} findings`,
      message: `${these
        .slice(limit - 1)
        .map((a) => a.title)
        .join(', ')}: see the job summary and report.json`,
    });
  }
  return out;
}
