// Reads the config file (YAML or JSON — JSON with // comments too, as in a hand-written healing_config.json
// shows), expands ${VAR} from the environment, validates it with the zod schema, and reports every
// problem with file, line, column and key. Nothing is touched before this succeeds. Whatever the
// input — huge, deeply nested, binary, hostile — the answer is a config or a ConfigError, in time
// linear in the file's size.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { validateQueueConfig } from '../checks/queue.js';
import { CHECK_TYPES } from '../checks/registry.js';
import { REMEDIES } from '../healing/remedies/registry.js';
import { MAX_CHECKS, MAX_CONFIG_BYTES, MAX_PROBLEMS } from './limits.js';
import { redisUrlProblem } from './redis-url.js';
import { configSchema, type OrixoonConfig } from './schema.js';
import { allowedKeys, didYouMean, valueAt } from './suggest.js';
import { jsonOffset, parseJsonData } from './json-data.js';
import { yamlToData, type DataProblem, type PathSeg } from './yaml-data.js';

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

export function keyPath(path: readonly PathSeg[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

/** Finds the offset of the value at a path (with `key`, of that key in the mapping at the path). */
type NodeOffset = (path: readonly PathSeg[], key?: string) => number | undefined;

/** 1-based line and column of an offset, from the offsets where lines start. */
function lineStarts(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

function yamlOffset(doc: Document): NodeOffset {
  return (path, key) => {
    const node = path.length === 0 ? doc.contents : (doc.getIn(path, true) as Node | undefined);
    if (!node) return undefined;
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      const keyNode = pair && (pair.key as Node);
      if (keyNode?.range) return keyNode.range[0];
    }
    return node.range?.[0];
  };
}

class Locator {
  private readonly find: NodeOffset;
  readonly pos: (offset: number) => { line: number; column: number };
  readonly file: string;
  constructor(find: NodeOffset, pos: (offset: number) => { line: number; column: number }, file: string) {
    this.find = find;
    this.pos = pos;
    this.file = file;
  }

  /** Position of the node at `path`; for a missing key, its parent's; with `key`, the key itself. */
  at(path: readonly PathSeg[], key?: string): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const offset = this.find(path.slice(0, n), n === path.length ? key : undefined);
      if (offset !== undefined) return this.pos(offset);
    }
    return { line: 1, column: 1 };
  }

  problem(path: readonly PathSeg[], message: string, key?: string): ConfigProblem {
    const full = key !== undefined ? [...path, key] : path;
    return { file: this.file, key: keyPath(full), message, ...this.at(path, key) };
  }
}

// `$${VAR}` is the escape: it stays a literal `${VAR}` (for a shell command that expands it itself).
const VAR = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands ${VAR} and ${VAR:-default} in every string; an unset variable without default is a problem.
 * `$${VAR}` becomes the literal `${VAR}`.
 */
function expandEnv(
  value: unknown,
  path: PathSeg[],
  env: NodeJS.ProcessEnv,
  loc: Locator,
  problems: ConfigProblem[],
  expanded: Array<{ name: string; value: string }>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (match: string, escape: string, name: string, fallback: string | undefined) => {
      if (escape) return match.slice(1);
      // Own variables only: `${__proto__}` must not find something on the prototype.
      const v = Object.hasOwn(env, name) ? env[name] : undefined;
      if (v !== undefined && v !== '') {
        expanded.push({ name, value: v });
        return v;
      }
      if (fallback !== undefined) return fallback;
      problems.push(
        loc.problem(
          path,
          `environment variable ${name} is not set: set it (e.g. from a GitHub secret in the step's env), or write \${${name}:-default} (\${${name}:-} for an optional value such as a webhook URL)`,
        ),
      );
      return '';
    });
  }
  if (Array.isArray(value))
    return value.map((v, i) => expandEnv(v, [...path, i], env, loc, problems, expanded));
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value))
      out[k] = expandEnv(v, [...path, k], env, loc, problems, expanded);
    return out;
  }
  return value;
}

function zodProblems(error: z.ZodError, loc: Locator, data: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  // Locating a problem walks the document: stop once there are more than can be shown.
  for (const issue of error.issues) {
    if (out.length > MAX_PROBLEMS) break;
    const path = issue.path.filter((s): s is PathSeg => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(configSchema, path, data);
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
  const redisUrl = (path: PathSeg[], url: unknown): void => {
    const problem = typeof url === 'string' && url !== '' ? redisUrlProblem(url) : undefined;
    if (problem) problems.push(loc.problem(path, problem));
  };
  redisUrl(['targets', 'redis', 'url'], config.targets.redis.url);
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
    if (check.type === 'container' && !check.container && !check.label)
      problems.push(loc.problem(path, 'a container check needs `container` (name) or `label` (key=value)'));
    if (check.type === 'container' && check.container && check.label)
      problems.push(loc.problem(path, 'give either `container` or `label`, not both'));
    if (check.type === 'logs' && !check.container && !check.file)
      problems.push(loc.problem(path, 'a logs check needs `container` or `file`'));
    if (check.type === 'worker' && !check.container && !check.heartbeat && !check.queue)
      problems.push(loc.problem(path, 'a worker check needs `container`, `heartbeat` or `queue`'));
    if (check.type === 'worker' && typeof check.queue === 'string') {
      const q = byId.get(check.queue);
      if (!q || q.type !== 'queue')
        problems.push(loc.problem([...path, 'queue'], `"${check.queue}" is not the id of a queue check`));
    }
    if (check.type === 'worker' && check.heartbeat) {
      const hb = check.heartbeat as { redis_key?: string; sql?: string; redis_url?: unknown };
      if (!hb.redis_key === !hb.sql)
        problems.push(
          loc.problem([...path, 'heartbeat'], 'a heartbeat needs exactly one of `redis_key` or `sql`'),
        );
      redisUrl([...path, 'heartbeat', 'redis_url'], hb.redis_url);
    }
    if (check.type === 'redis') redisUrl([...path, 'url'], check.url);
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

const MAX_SUGGESTIONS = 10;

/** The ids a depends_on may name, a few at most: a config may hold a thousand. */
function validIds(ids: Iterable<string>): string {
  const all = [...ids];
  if (all.length === 0) return 'the config has no check ids';
  const shownIds = all.slice(0, 20).join(', ');
  return `valid ids: ${shownIds}${all.length > 20 ? `, … (${all.length} in all)` : ''}`;
}

/** At most MAX_PROBLEMS problems, the last one saying how many more there were. */
function capped(problems: ConfigProblem[]): ConfigProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const shownOnes = problems.slice(0, MAX_PROBLEMS);
  const next = problems[MAX_PROBLEMS]!;
  return [...shownOnes, { ...next, key: '', message: `more problems follow; fix these first` }];
}

function fail(problems: ConfigProblem[]): never {
  throw new ConfigError(capped(problems));
}

const MIB = 1024 * 1024;

/** The parser quotes the offending token, which may be a whole long line: keep the start. */
function clip(message: string, max = 200): string {
  return message.length > max ? `${message.slice(0, max)}…` : message;
}

function tooLarge(file: string, bytes: number): ConfigProblem {
  return {
    file,
    line: 1,
    column: 1,
    key: '',
    message: `the config file is ${(bytes / MIB).toFixed(1)} MiB, larger than ${MAX_CONFIG_BYTES / MIB} MiB: keep it smaller (long pattern lists belong in a patterns_file)`,
  };
}

/** Deep copy with null-prototype objects: a config never inherits a key. */
function withoutPrototypes<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPrototypes) as T;
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = withoutPrototypes(v);
    return out as T;
  }
  return value;
}

function readYaml(
  source: string,
  file: string,
): { data: { value: unknown; problems: DataProblem[] }; loc: Locator } {
  const lines = new LineCounter();
  // Duplicate keys are found by yamlToData: the parser's own check is quadratic in a mapping's size.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const pos = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const loc = new Locator(yamlOffset(doc), pos, file);
  // One message: the errors after the first one mostly follow from it.
  const e = doc.errors[0];
  if (e) {
    const at = e.linePos?.[0];
    fail([
      {
        file,
        ...(at ? { line: at.line, column: at.col } : pos(e.pos[0])),
        key: '',
        message: `YAML syntax error: ${clip(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''))}`,
      },
    ]);
  }
  return { data: yamlToData(doc), loc };
}

function readJson(
  source: string,
  file: string,
): { data: { value: unknown; problems: DataProblem[] }; loc: Locator } {
  const json = parseJsonData(source);
  const loc = new Locator((path, key) => jsonOffset(json.root, path, key), lineStarts(source), file);
  if (json.syntax)
    fail([
      { file, ...loc.pos(json.syntax.offset), key: '', message: `JSON syntax error: ${json.syntax.message}` },
    ]);
  return { data: json, loc };
}

/** Parses and validates config text (YAML or JSON); `${VAR}` expands from env. Throws ConfigError. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) fail([tooLarge(file, bytes)]);
  const source = text.replace(/^\uFEFF/, '');
  const isJson = /\.jsonc?$/i.test(file);
  const { data, loc } = isJson ? readJson(source, file) : readYaml(source, file);
  if (data.problems.length) {
    fail(
      data.problems.map((p) => ({ file, key: keyPath(p.path), message: p.message, ...loc.pos(p.offset) })),
    );
  }
  const raw = data.value ?? Object.create(null);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fail([
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
  if (!parsed.success) problems.push(...zodProblems(parsed.error, loc, value));
  else problems.push(...crossCheck(parsed.data, loc));
  if (problems.length) fail(problems);
  const config = withoutPrototypes(parsed.data!);
  return {
    config,
    path: file,
    discovered: config.phases.length === 0,
    baseDir: dirname(resolve(file)),
    expanded,
  };
}

/** The file's text, refusing anything that is not a regular file or is over the size limit unread. */
function readConfigText(path: string): string {
  let fd: number | undefined;
  try {
    // stat before open: opening a FIFO would wait for a writer.
    if (!statSync(path).isFile())
      fail([
        {
          file: path,
          line: 1,
          column: 1,
          key: '',
          message: 'not a regular file: the `config` input / --config must name a YAML or JSON file',
        },
      ]);
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (stat.size > MAX_CONFIG_BYTES) fail([tooLarge(path, stat.size)]);
    // One byte more than the limit tells a file that grew since fstat from one that fits.
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buf.length; length += n)
      n = readSync(fd, buf, length, buf.length - length, null);
    if (length > MAX_CONFIG_BYTES) fail([tooLarge(path, length)]);
    return buf.subarray(0, length).toString('utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([
      {
        file: path,
        key: '',
        message: `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? String(e)}): check the \`config\` input / --config path`,
      },
    ]);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads and parses a config file. Throws ConfigError (also for a missing file). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return parseConfig(readConfigText(path), path, env);
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
  return {
    config: withoutPrototypes(configSchema.parse({})),
    path: null,
    discovered: true,
    baseDir: cwd,
    expanded: [],
  };
}
