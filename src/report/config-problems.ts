// The job summary of a run whose configuration was rejected: nothing was checked, so there is no
// report to render, only the problems (file, line, column, key, what to do) and the integration's notes.
import { formatProblem, type ConfigProblem } from '../config/load.js';

export function renderConfigProblems(
  problems: readonly ConfigProblem[],
  notes: readonly string[] = [],
): string {
  return [
    '## 🚫 Orixoon: BLOCKED — invalid configuration',
    '',
    'Nothing was checked or changed. Fix these and re-run:',
    '',
    ...problems.map((p) => `- \`${formatProblem(p)}\``),
    ...notes.map((n) => `> ${n}`),
    '',
  ].join('\n');
}
