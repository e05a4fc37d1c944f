// Reads the config file (YAML or JSON — JSON with // comments too, as the seeds' healing_config.json
// shows), expands ${VAR} from the environment, validates it with the zod schema, and reports every
// problem with file, line, column and key. Nothing is touched before this succeeds.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { validateQueueConfig } from '../checks/queue.js';
import { REMEDIES } from '../healing/remedies/registry.js';
import { configSchema, type OrixoonConfig } from './schema.js';

export interface LoadedConfig {
  config: OrixoonConfig;
  /** null in discovered-defaults mode without any file. */
  path: string | null;
  /** True when no phases are configured: every container on the Docker host is checked. */
  discovered: boolean;
  baseDir: string;
  /** Variables that were expanded through ${VAR} (the engine masks the secret-looking ones). */
  expanded: Array<{ name: string; value: string }>;
}

export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `phases[0].checks[1].max_stuck`. */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

export const DEFAULT_CONFIG_PATH = '.github/orixoon.yml';

type PathSeg = string | number;

export function keyPath(path: readonly PathSeg[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

/** Blanks `//` and `/* *\/` comments outside strings, keeping every line and column where it was. */
function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      for (; i < text.length && text[i] !== '\n'; i++) out += ' ';
      i--;
    } else if (c === '/' && text[i + 1] === '*') {
      for (; i < text.length && !(text[i] === '*' && text[i + 1] === '/'); i++)
        out += text[i] === '\n' ? '\n' : ' ';
      out += '  ';
      i++;
    } else out += c;
  }
  return out;
}

class Locator {
  private readonly doc: Document;
  private readonly lines: LineCounter;
  readonly file: string;
  constructor(doc: Document, lines: LineCounter, file: string) {
    this.doc = doc;
    this.lines = lines;
    this.file = file;
  }

  /** Position of the node at `path`; for a missing key, its parent's; with `key`, the key itself. */
  at(path: readonly PathSeg[], key?: string): { line?: number; column?: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : (this.doc.getIn(path.slice(0, n), true) as Node | undefined);
      if (!node) continue;
      if (key !== undefined && n === path.length && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        const keyNode = pair && (pair.key as Node);
        if (keyNode?.range) return this.pos(keyNode.range[0]);
      }
      if (node.range) return this.pos(node.range[0]);
    }
    return {};
  }

  private pos(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  problem(path: readonly PathSeg[], message: string, key?: string): ConfigProblem {
    const full = key !== undefined ? [...path, key] : path;
    return { file: this.file, key: keyPath(full), message, ...this.at(path, key) };
  }
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands ${VAR} and ${VAR:-default} in every string; an unset variable without default is a problem. */
function expandEnv(
  value: unknown,
  path: PathSeg[],
  env: NodeJS.ProcessEnv,
  loc: Locator,
  problems: ConfigProblem[],
  expanded: Array<{ name: string; value: string }>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') {
        expanded.push({ name, value: v });
        return v;
      }
      if (fallback !== undefined) return fallback;
      problems.push(
        loc.problem(
          path,
          `environment variable ${name} is not set: set it (e.g. from a GitHub secret in the step's env) or write \${${name}:-default}`,
        ),
      );
      return '';
    });
  }
  if (Array.isArray(value))
    return value.map((v, i) => expandEnv(v, [...path, i], env, loc, problems, expanded));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = expandEnv(v, [...path, k], env, loc, problems, expanded);
    return out;
  }
  return value;
}

function zodProblems(error: z.ZodError, loc: Locator): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((s): s is PathSeg => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push(loc.problem(path, `unknown key "${key}": remove it or check its spelling`, key));
    } else if (issue.code === 'invalid_union' && path.at(-1) !== undefined && 'note' in issue) {
      out.push(loc.problem(path, issue.message));
    } else {
      out.push(loc.problem(path, describeIssue(issue)));
    }
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    // Strings are never echoed: after ${VAR} expansion one may be a secret.
    const input = 'input' in issue ? issue.input : undefined;
    const got =
      input === undefined
        ? ''
        : typeof input === 'string'
          ? ', got a string'
          : `, got ${JSON.stringify(input)}`;
    return `expected ${issue.expected}${got}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') return issue.message;
  return issue.message;
}

/** Checks that need the whole file: ids, references, cycles, required alternatives, protected tables. */
function crossCheck(config: OrixoonConfig, loc: Locator): ConfigProblem[] {
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
      if (where.has(ck.id))
        problems.push(loc.problem([...path, 'id'], `duplicate check id "${ck.id}" (ids must be unique)`));
      where.set(ck.id, path);
      all.push({ check: ck, path });
    });
  });
  for (const { check, path } of all) {
    check.depends_on.forEach((dep, i) => {
      if (!where.has(dep))
        problems.push(
          loc.problem([...path, 'depends_on', i], `depends_on "${dep}" is not the id of any check`),
        );
      if (dep === check.id)
        problems.push(loc.problem([...path, 'depends_on', i], 'a check cannot depend on itself'));
    });
    if (check.type === 'container' && !check.container && !check.label)
      problems.push(loc.problem(path, 'a container check needs `container` (name) or `label` (key=value)'));
    if (check.type === 'container' && check.container && check.label)
      problems.push(loc.problem(path, 'give either `container` or `label`, not both'));
    if (check.type === 'logs' && !check.container && !check.file)
      problems.push(loc.problem(path, 'a logs check needs `container` or `file`'));
    if (check.type === 'worker' && !check.container && !check.heartbeat && !check.queue)
      problems.push(loc.problem(path, 'a worker check needs `container`, `heartbeat` or `queue`'));
    if (check.type === 'worker' && typeof check.queue === 'string') {
      const q = all.find((a) => a.check.id === check.queue);
      if (!q || q.check.type !== 'queue')
        problems.push(loc.problem([...path, 'queue'], `"${check.queue}" is not the id of a queue check`));
    }
    if (check.type === 'worker' && check.heartbeat) {
      const hb = check.heartbeat as { redis_key?: string; sql?: string };
      if (!hb.redis_key === !hb.sql)
        problems.push(
          loc.problem([...path, 'heartbeat'], 'a heartbeat needs exactly one of `redis_key` or `sql`'),
        );
    }
    if (check.type === 'queue') {
      for (const msg of validateQueueConfig(check, config)) {
        const key = msg.startsWith('dead_letter_table')
          ? 'dead_letter_table'
          : msg.startsWith('statuses')
            ? 'statuses'
            : 'table';
        problems.push(loc.problem([...path, key], msg));
      }
    }
  }
  // Dependency cycles.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      problems.push(loc.problem([...where.get(id)!, 'depends_on'], `dependency cycle: ${cycle.join(' → ')}`));
      return;
    }
    state.set(id, 'visiting');
    const entry = all.find((a) => a.check.id === id);
    for (const dep of entry?.check.depends_on ?? []) if (where.has(dep)) visit(dep, [...trail, id]);
    state.set(id, 'done');
  };
  for (const { check } of all) visit(check.id, []);
  for (const [code, entry] of Object.entries(config.healing_actions)) {
    if (entry?.action && !REMEDIES.has(entry.action) && REMEDIES.size > 0)
      problems.push(
        loc.problem(
          ['healing_actions', code, 'action'],
          `unknown action "${entry.action}"; known: ${[...REMEDIES.keys()].sort().join(', ')}`,
        ),
      );
  }
  return problems;
}

/** Parses and validates config text (YAML or JSON); `${VAR}` expands from env. Throws ConfigError. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const isJson = /\.json$/i.test(file) || /^\s*[{[]/.test(text);
  const lines = new LineCounter();
  const doc = parseDocument(isJson ? stripJsonComments(text) : text, {
    lineCounter: lines,
    prettyErrors: true,
    uniqueKeys: true,
  });
  const loc = new Locator(doc, lines, file);
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0].line,
        column: e.linePos?.[0].col,
        key: '',
        message: `${isJson ? 'JSON' : 'YAML'} syntax error: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([
      {
        file,
        line: 1,
        column: 1,
        key: '',
        message: 'the config must be a mapping (YAML keys or a JSON object)',
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const expanded: Array<{ name: string; value: string }> = [];
  const value = expandEnv(raw, [], env, loc, problems, expanded);
  const parsed = configSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) problems.push(...zodProblems(parsed.error, loc));
  else problems.push(...crossCheck(parsed.data, loc));
  if (problems.length) throw new ConfigError(problems);
  const config = parsed.data!;
  return {
    config,
    path: file,
    discovered: config.phases.length === 0,
    baseDir: dirname(resolve(file)),
    expanded,
  };
}

/** Reads and parses a config file. Throws ConfigError (also for a missing file). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([
      {
        file: path,
        key: '',
        message: `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)}): check the \`config\` input / --config path`,
      },
    ]);
  }
  return parseConfig(text, path, env);
}

/**
 * The config to run with: the given path (must exist), else the default path when present, else
 * discovered defaults (every container on the Docker host, default policy).
 */
export function resolveConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): LoadedConfig {
  if (path) return loadConfigFile(resolve(cwd, path), env);
  const fallback = resolve(cwd, DEFAULT_CONFIG_PATH);
  if (existsSync(fallback)) return loadConfigFile(fallback, env);
  return { config: configSchema.parse({}), path: null, discovered: true, baseDir: cwd, expanded: [] };
}
