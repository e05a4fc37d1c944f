// Rules that need the whole file: unique ids, depends_on references and cycles, known actions, and each
// check type's own validation (its `validate`), every problem located in the file.
import { checkType } from '../checks/registry.js';
import { REMEDIES } from '../healing/remedies/registry.js';
import { MAX_CHECKS, MAX_PROBLEMS } from './limits.js';
import { keyPath, type ConfigProblem, type Locator } from './problems.js';
import { redisUrlProblem } from './redis-url.js';
import type { OrixoonConfig } from './schema.js';
import { didYouMean } from './suggest.js';
import type { PathSeg } from './yaml-data.js';

const MAX_SUGGESTIONS = 10;

/** The ids a depends_on may name, a few at most: a config may hold a thousand. */
function validIds(ids: Iterable<string>): string {
  const all = [...ids];
  if (all.length === 0) return 'the config has no check ids';
  const shownIds = all.slice(0, 20).join(', ');
  return `valid ids: ${shownIds}${all.length > 20 ? `, … (${all.length} in all)` : ''}`;
}

/** Checks that need the whole file: ids, references, cycles, required alternatives, protected tables. */
export function crossCheck(config: OrixoonConfig, loc: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const where = new Map<string, PathSeg[]>();
  const all: Array<{
    check: Record<string, unknown> & { id: string; type: string; depends_on: string[] };
    path: PathSeg[];
  }> = [];
  const phaseNames = new Set<string>();
  config.phases.forEach((phase, p) => {
    if (phaseNames.has(phase.name))
      problems.push(loc.problem(['phases', p, 'name'], `duplicate phase name "${phase.name}"`));
    phaseNames.add(phase.name);
    phase.checks.forEach((check, c) => {
      const path: PathSeg[] = ['phases', p, 'checks', c];
      const ck = check as unknown as (typeof all)[number]['check'];
      all.push({ check: ck, path });
    });
  });
  if (all.length > MAX_CHECKS) {
    return [
      loc.problem(
        all[MAX_CHECKS]!.path,
        `a config may hold at most ${MAX_CHECKS} checks (this file has ${all.length}): split it into several configs`,
      ),
    ];
  }
  const byId = new Map<string, (typeof all)[number]['check']>();
  for (const { check, path } of all) {
    const first = where.get(check.id);
    if (first) {
      const at = loc.at([...first, 'id']);
      problems.push(
        loc.problem(
          [...path, 'id'],
          `duplicate check id "${check.id}": the first one is at line ${at.line}, column ${at.column} (${keyPath(first)}); ids must be unique, rename one`,
        ),
      );
    } else where.set(check.id, path);
    if (!byId.has(check.id)) byId.set(check.id, check);
  }
  const redisUrl = config.targets.redis.url;
  const redisProblem = redisUrl ? redisUrlProblem(redisUrl) : undefined;
  if (redisProblem) problems.push(loc.problem(['targets', 'redis', 'url'], redisProblem));
  // Each suggestion compares with every id: a few are enough to show the typo.
  let suggestions = 0;
  for (const { check, path } of all) {
    check.depends_on.forEach((dep, i) => {
      if (!where.has(dep))
        problems.push(
          loc.problem(
            [...path, 'depends_on', i],
            `depends_on "${dep}" is not the id of any check: ${suggestions++ < MAX_SUGGESTIONS ? didYouMean(dep, where.keys()) : ''}${validIds(where.keys())}`,
          ),
        );
      if (dep === check.id)
        problems.push(loc.problem([...path, 'depends_on', i], 'a check cannot depend on itself'));
    });
    const { id: _id, type, depends_on: _deps, name: _name, ...options } = check;
    for (const p of checkType(type)?.validate?.(options, config) ?? [])
      problems.push(loc.problem([...path, ...p.path], p.message));
    if (problems.length > MAX_PROBLEMS) return problems;
  }
  // Dependency cycles: an explicit stack, so a long depends_on chain cannot exhaust the call stack.
  const state = new Map<string, 'visiting' | 'done'>();
  for (const { check: root } of all) {
    if (state.has(root.id)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: root.id, next: 0 }];
    state.set(root.id, 'visiting');
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const deps = byId.get(top.id)?.depends_on ?? [];
      if (top.next >= deps.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const dep = deps[top.next++]!;
      if (!where.has(dep) || state.get(dep) === 'done') continue;
      if (state.get(dep) === 'visiting') {
        const trail = stack.map((s) => s.id);
        const cycle = [...trail.slice(trail.indexOf(dep)), dep];
        problems.push(
          loc.problem([...where.get(dep)!, 'depends_on'], `dependency cycle: ${cycle.join(' → ')}`),
        );
        continue;
      }
      state.set(dep, 'visiting');
      stack.push({ id: dep, next: 0 });
    }
  }
  for (const [code, entry] of Object.entries(config.healing_actions)) {
    if (entry?.action && !REMEDIES.has(entry.action) && REMEDIES.size > 0)
      problems.push(
        loc.problem(
          ['healing_actions', code, 'action'],
          `unknown action "${entry.action}": ${didYouMean(entry.action, REMEDIES.keys())}known: ${[...REMEDIES.keys()].sort().join(', ')}`,
        ),
      );
  }
  return problems;
}
