// Reads the config file (YAML or JSON — JSON with // comments too, as in a hand-written healing_config.json
// shows), expands ${VAR} from the environment, validates it with the zod schema, and reports every
// problem with file, line, column and key. Nothing is touched before this succeeds. Whatever the
// input — huge, deeply nested, binary, hostile — the answer is a config or a ConfigError, in time
// linear in the file's size.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './cross-check.js';
import { dockerHostsProblems, resolveTlsPaths } from './docker-hosts.js';
import { MAX_CONFIG_BYTES, MAX_PROBLEMS } from './limits.js';
import { ConfigError, Locator, keyPath, lineStarts, yamlOffset, type ConfigProblem } from './problems.js';
import { configSchemaFor, type OrixoonConfig } from './schema.js';
import { jsonOffset, parseJsonData } from './json-data.js';
import { yamlToData, type DataProblem, type PathSeg } from './yaml-data.js';
import { zodProblems } from './zod-problems.js';

export { ConfigError, formatProblem, keyPath, type ConfigProblem } from './problems.js';

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

export const DEFAULT_CONFIG_PATH = '.github/orixoon.yml';

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

/**
 * The `type` of every check entry, as written: the schema is built for these types only. Anything that
 * is not a string (or a check that is not a mapping) gives a name no type has, so the whole schema
 * reports it.
 */
function checkTypesIn(value: unknown): Set<string> {
  const names = new Set<string>();
  const phases = (value as Record<string, unknown>).phases;
  if (!Array.isArray(phases)) return names;
  for (const phase of phases) {
    const checks = phase && typeof phase === 'object' ? (phase as Record<string, unknown>).checks : undefined;
    if (!Array.isArray(checks)) continue;
    for (const check of checks) {
      const type = check && typeof check === 'object' ? (check as Record<string, unknown>).type : undefined;
      names.add(typeof type === 'string' ? type : '\0');
    }
  }
  return names;
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
  const schema = configSchemaFor(checkTypesIn(value));
  // One parse per process: zod's compiled object parsers cost more to build than they save here.
  const parsed = schema.safeParse(value, { reportInput: true, jitless: true });
  if (!parsed.success) problems.push(...zodProblems(parsed.error, loc, value, schema));
  else {
    problems.push(...crossCheck(parsed.data, loc));
    problems.push(...dockerHostsProblems(parsed.data, loc, dirname(resolve(file))));
  }
  if (problems.length) fail(problems);
  const config = withoutPrototypes(parsed.data!);
  resolveTlsPaths(config, dirname(resolve(file)));
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
    config: withoutPrototypes(configSchemaFor([]).parse({}, { jitless: true })),
    path: null,
    discovered: true,
    baseDir: cwd,
    expanded: [],
  };
}
