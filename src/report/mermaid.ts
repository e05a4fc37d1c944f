// Pictures for the job summary and the PR comment, as Mermaid blocks GitHub draws: the checks'
// dependency graph coloured by outcome, and a timeline of each heal (action → re-test → retry delay).
// Text from outside Orixoon (check ids, targets, action names) is reduced to letters, digits and a few
// punctuation marks, so it cannot end a label, start a statement (`click`, `%%{init}`), or carry markup.
import type { Outcome } from '../core/types.js';
import type { ActionRecord, CheckReport, RunReport } from './model.js';
import { checkOutcome, isResolved, outcomeLabel, PASSED_LABEL } from './vocabulary.js';

/** GitHub renders diagrams of bounded size; past these, the rest is left out with a note. */
export const MAX_GRAPH_NODES = 50;
export const MAX_TIMELINE_HEALS = 10;
export const MAX_TIMELINE_TASKS = 40;

/** Label text from outside: letters, digits, spaces and `. _ ( ) ' + , / -` only, one line, bounded. */
export function mermaidText(value: unknown, max = 40): string {
  let s = String(value ?? '')
    .replace(/[^\p{L}\p{N} ._()'+,/-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (s.length > max) s = `${s.slice(0, max - 1).trimEnd()}…`;
  return s || '?';
}

/** Words that start a statement of their own at the beginning of a Gantt line. */
const GANTT_KEYWORDS =
  /^(click|section|title|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|weekend|inclusiveenddates|topaxis|displaymode|acctitle|accdescr)\b/i;

/** Gantt task names also end at `:` and hold `,`-separated metadata, and must not start a statement. */
function ganttText(value: unknown, max = 40): string {
  const text = mermaidText(String(value ?? '').replace(/,/g, ' '), max);
  return GANTT_KEYWORDS.test(text) ? `task ${text}` : text;
}

type NodeState = Outcome | 'passed';

/** Fill, border and text colour per outcome (GitHub's light palette; dark text stays legible on both themes). */
const NODE_STYLE: Record<NodeState, string> = {
  passed: 'fill:#dafbe1,stroke:#1a7f37,color:#1f2328',
  healed: 'fill:#ddf4ff,stroke:#0969da,color:#1f2328',
  recovered: 'fill:#ddf4ff,stroke:#0969da,color:#1f2328',
  failed: 'fill:#ffebe9,stroke:#cf222e,color:#1f2328,stroke-width:2px',
  guarded: 'fill:#fff1e5,stroke:#bc4c00,color:#1f2328',
  locked: 'fill:#fff1e5,stroke:#bc4c00,color:#1f2328',
  limit_reached: 'fill:#fff1e5,stroke:#bc4c00,color:#1f2328',
  budget_exhausted: 'fill:#ffebe9,stroke:#cf222e,color:#1f2328',
  not_healable: 'fill:#ffebe9,stroke:#cf222e,color:#1f2328',
  disabled: 'fill:#f6f8fa,stroke:#59636e,color:#1f2328',
  awaiting_approval: 'fill:#fff8c5,stroke:#9a6700,color:#1f2328',
  dry_run: 'fill:#fbefff,stroke:#8250df,color:#1f2328',
  blocked_by_dependency: 'fill:#f6f8fa,stroke:#59636e,color:#1f2328,stroke-dasharray:5 3',
};

function fence(body: string[]): string {
  return ['```mermaid', ...body, '```'].join('\n');
}

interface Edge {
  from: CheckReport;
  to: CheckReport;
}

/**
 * The checks that depend on others (and those they depend on), each drawn with its outcome, an arrow
 * from a dependency to its dependent. Arrows out of something still broken are red: they are why a
 * dependent is `blocked_by_dependency`. Undefined when no check depends on another.
 */
export function dependencyGraph(report: RunReport, maxNodes = MAX_GRAPH_NODES): string | undefined {
  const checks = report.phases.flatMap((p) => p.checks);
  const byCheckId = new Map(checks.map((c) => [c.id, c]));
  const byFindingId = new Map(report.findings.map((f) => [f.id, f]));
  const state = new Map<CheckReport, NodeState>(checks.map((c) => [c, checkOutcome(c, byFindingId)]));
  const broken = (c: CheckReport): boolean => {
    const s = state.get(c)!;
    return s !== 'passed' && !isResolved(s);
  };

  const edges: Edge[] = [];
  for (const to of checks) {
    for (const dep of new Set(to.dependsOn)) {
      const from = byCheckId.get(dep);
      if (from && from !== to) edges.push({ from, to });
    }
  }
  if (!edges.length) return undefined;

  // Within the bound, what explains a block comes first: edges touching a broken check.
  const ranked = edges
    .map((e, i) => ({ e, i, rank: broken(e.from) || broken(e.to) ? 0 : 1 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.e);
  const nodes: CheckReport[] = [];
  for (const e of ranked) {
    const adds = [e.from, e.to].filter((c, i, a) => !nodes.includes(c) && a.indexOf(c) === i);
    if (nodes.length + adds.length <= maxNodes) nodes.push(...adds);
  }
  // Every dependency between two drawn checks is drawn, whatever its rank.
  const drawn = edges.filter((e) => nodes.includes(e.from) && nodes.includes(e.to));
  // Keep the run's own order (phases, then checks) so the picture reads like the report.
  nodes.sort((a, b) => checks.indexOf(a) - checks.indexOf(b));
  const inGraph = new Set(edges.flatMap((e) => [e.from, e.to]));
  const id = (c: CheckReport): string => `c${nodes.indexOf(c)}`;

  const body = ['flowchart LR'];
  for (const c of nodes) {
    const s = state.get(c)!;
    body.push(`  ${id(c)}["${mermaidText(c.id)}<br/>${s === 'passed' ? PASSED_LABEL : outcomeLabel(s)}"]`);
  }
  const redLinks: number[] = [];
  drawn
    .sort(
      (a, b) => nodes.indexOf(a.to) - nodes.indexOf(b.to) || nodes.indexOf(a.from) - nodes.indexOf(b.from),
    )
    .forEach((e, i) => {
      body.push(`  ${id(e.from)} --> ${id(e.to)}`);
      if (broken(e.from)) redLinks.push(i);
    });
  const used = [...new Set(nodes.map((c) => state.get(c)!))];
  for (const s of used) {
    body.push(`  classDef ${s} ${NODE_STYLE[s]}`);
    body.push(
      `  class ${nodes
        .filter((c) => state.get(c) === s)
        .map(id)
        .join(',')} ${s}`,
    );
  }
  if (redLinks.length) body.push(`  linkStyle ${redLinks.join(',')} stroke:#cf222e,stroke-width:2px`);

  const left = inGraph.size - nodes.length;
  const note = left
    ? `\n\n_${left} more check${left === 1 ? '' : 's'} with dependencies not drawn (diagram size limit); the tables list every finding._`
    : '';
  return fence(body) + note;
}

interface Heal {
  checkId: string;
  code: string;
  actions: ActionRecord[];
}

function heals(report: RunReport): Heal[] {
  const out = new Map<string, Heal>();
  for (const a of report.actions) {
    if (!Number.isFinite(Date.parse(a.timestamp))) continue;
    const key = `${a.checkId}\u0000${a.code}`;
    let h = out.get(key);
    if (!h) out.set(key, (h = { checkId: a.checkId, code: a.code, actions: [] }));
    h.actions.push(a);
  }
  for (const h of out.values()) h.actions.sort((a, b) => a.attempt - b.attempt);
  return [...out.values()];
}

/** Tick spacing for the time axis: about 4–10 ticks over the span. */
function tickInterval(spanMs: number): string {
  const steps: Array<[number, string]> = [
    [100, '100millisecond'],
    [250, '250millisecond'],
    [500, '500millisecond'],
    [1000, '1second'],
    [2000, '2second'],
    [5000, '5second'],
    [10_000, '10second'],
    [15_000, '15second'],
    [30_000, '30second'],
    [60_000, '1minute'],
    [120_000, '2minute'],
    [300_000, '5minute'],
    [600_000, '10minute'],
    [1_800_000, '30minute'],
  ];
  for (const [ms, name] of steps) if (spanMs / ms <= 10) return name;
  return '1hour';
}

/**
 * One timeline of every heal with an action: each attempt's action, its re-test (stabilisation wait)
 * and the delay before the next attempt, on the run's clock. When an action record carries no
 * `actionMs`, action and re-test are one bar. Undefined when nothing was acted on.
 */
export function healTimeline(
  report: RunReport,
  maxHeals = MAX_TIMELINE_HEALS,
  maxTasks = MAX_TIMELINE_TASKS,
): string | undefined {
  const all = heals(report);
  if (!all.length) return undefined;
  const tasks: string[] = [];
  let longest = 0;
  let first = Infinity;
  let last = -Infinity;
  let shown = 0;
  let taskCount = 0;
  for (const h of all) {
    const lines: string[] = [];
    let from = Infinity;
    let to = -Infinity;
    const section = ganttText(h.checkId, 20);
    lines.push(`  section ${section}`);
    h.actions.forEach((a, i) => {
      const start = Date.parse(a.timestamp);
      const total = Math.max(1, a.durationMs);
      const acted =
        typeof a.actionMs === 'number' && a.actionMs >= 0 && a.actionMs < total ? a.actionMs : undefined;
      const name = ganttText(a.action, 28);
      const verdict = a.success ? 'passed' : 'failed';
      const tag = a.success ? 'done' : 'crit';
      if (acted === undefined) {
        lines.push(`  ${name} try ${a.attempt} and re-test ${verdict} :${tag}, ${start}, ${start + total}`);
      } else {
        lines.push(`  ${name} try ${a.attempt} :active, ${start}, ${start + Math.max(1, acted)}`);
        lines.push(`  re-test ${verdict} :${tag}, ${start + Math.max(1, acted)}, ${start + total}`);
      }
      const next = h.actions[i + 1];
      const nextStart = next ? Date.parse(next.timestamp) : NaN;
      if (next && nextStart > start + total) lines.push(`  retry delay :${start + total}, ${nextStart}`);
      from = Math.min(from, start);
      to = Math.max(to, start + total);
    });
    if (shown >= maxHeals || taskCount + lines.length - 1 > maxTasks) break;
    first = Math.min(first, from);
    last = Math.max(last, to);
    tasks.push(...lines);
    taskCount += lines.length - 1;
    longest = Math.max(longest, section.length);
    shown++;
  }
  if (!shown) return undefined;
  // Room on the left for the longest check id (about 6.5 px a character at Mermaid's section font);
  // renderers that do not read this config ignore it.
  const body = [
    '---',
    'config:',
    '  gantt:',
    `    leftPadding: ${Math.min(150, Math.max(75, Math.ceil(longest * 6.5) + 24))}`,
    '---',
    'gantt',
    '  dateFormat x',
    '  axisFormat %H:%M:%S',
    '  todayMarker off',
    `  tickInterval ${tickInterval(last - first)}`,
    ...tasks,
  ];
  const left = all.length - shown;
  const note = left
    ? `\n\n_${left} more heal${left === 1 ? '' : 's'} not drawn (diagram size limit); the actions table lists every action._`
    : '';
  return fence(body) + note;
}
