// Zod's issues, said the way a person fixes them: which key, what was expected, what was seen (never a
// string's value: it may be a secret), and what to do.
import type { z } from 'zod';
import { CHECK_TYPES } from '../checks/registry.js';
import { MAX_PROBLEMS } from './limits.js';
import type { ConfigProblem, Locator } from './problems.js';
import type { ConfigSchema } from './schema.js';
import { allowedKeys, didYouMean, valueAt } from './suggest.js';
import type { PathSeg } from './yaml-data.js';

export function zodProblems(
  error: z.ZodError,
  loc: Locator,
  data: unknown,
  schema: ConfigSchema,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  // Locating a problem walks the document: stop once there are more than can be shown.
  for (const issue of error.issues) {
    if (out.length > MAX_PROBLEMS) break;
    const path = issue.path.filter((s): s is PathSeg => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, path, data);
      for (const key of issue.keys.slice(0, MAX_PROBLEMS + 1)) {
        const hint = didYouMean(key, allowed);
        out.push(
          loc.problem(
            path,
            `unknown key "${key}": ${hint}${hint ? 'Or remove it' : 'remove it or check its spelling'}${allowed.length && allowed.length <= 30 ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
            key,
          ),
        );
      }
    } else if (issue.code === 'invalid_union' && path.at(-1) === 'type' && path.includes('checks')) {
      const given = valueAt(data, path);
      const types = CHECK_TYPES.map((t) => t.type);
      out.push(
        loc.problem(
          path,
          given === undefined
            ? `missing required key "type": one of ${types.join(', ')}`
            : `unknown check type${typeof given === 'string' ? ` "${given}"` : ''}: ${typeof given === 'string' ? didYouMean(given, types) : ''}one of ${types.join(', ')}`,
        ),
      );
    } else if (issue.code === 'invalid_union' && path.at(-1) !== undefined && 'note' in issue) {
      out.push(loc.problem(path, issue.message));
    } else if (issue.code === 'invalid_type' && valueAt(data, path) === undefined && path.length > 0) {
      out.push(
        loc.problem(path, `missing required key "${String(path.at(-1))}": add it (${issue.expected})`),
      );
    } else {
      out.push(loc.problem(path, describeIssue(issue)));
    }
  }
  return out;
}

/** A value for a message: numbers and booleans as they are; strings never (one may be a secret). */
function shown(input: unknown): string {
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return String(input);
  if (typeof input === 'string') return 'a string';
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a mapping' : typeof input;
}

/** `86400 (24 h)` for a key in seconds, minutes or milliseconds. */
function withUnit(n: number, key: PathSeg | undefined): string {
  const k = typeof key === 'string' ? key : '';
  const seconds = /_seconds$/.test(k)
    ? n
    : /_minutes$/.test(k)
      ? n * 60
      : /_ms$/.test(k)
        ? n / 1000
        : undefined;
  if (seconds === undefined || seconds < 3600) return String(n);
  const days = seconds / 86_400;
  return `${n} (${days >= 2 ? `${+days.toFixed(1)} days` : `${+(seconds / 3600).toFixed(1)} h`})`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = 'input' in issue ? issue.input : undefined;
  if (issue.code === 'invalid_type') {
    if (typeof input === 'number' && !Number.isFinite(input))
      return `expected a finite number, got ${String(input)}`;
    return `expected ${issue.expected}${input === undefined ? '' : `, got ${shown(input)}`}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  const key = issue.path.at(-1);
  if (issue.code === 'too_big' && issue.origin === 'number') {
    const max = withUnit(Number(issue.maximum), typeof key === 'symbol' ? undefined : key);
    return `${shown(input)} is more than the maximum, ${issue.inclusive ? 'at most' : 'below'} ${max}: use a smaller value`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number')
    return `${shown(input)} is too small: must be ${issue.inclusive ? 'at least' : 'more than'} ${Number(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'array')
    return `at most ${Number(issue.maximum)} entries are allowed here`;
  return issue.message;
}
