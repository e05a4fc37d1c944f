// The command line's grammar: commands, their options, help texts, and the parser that checks a
// command line against them (an option of another command, an unknown one, a value missing) before
// anything runs. Loads nothing of the engine: `--help`, `--version` and usage errors stay fast.
import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';

export class UsageError extends Error {
  /** The command whose help to point at (undefined: the general help). */
  readonly command?: CommandName;
  constructor(message: string, command?: CommandName) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in the help (string options). */
  arg?: string;
  help: string;
}

const OPTION_SPECS = {
  config: {
    type: 'string',
    arg: 'F',
    help: 'YAML or JSON config (default .github/orixoon.yml; none → every container, default policy)',
  },
  'auto-heal': { type: 'boolean', help: 'heal what the checks find (without it: check and report only)' },
  'dry-run': { type: 'boolean', help: 'change nothing; report which action would run on what, and why' },
  phase: { type: 'string', multiple: true, arg: 'NAME', help: 'run only this phase (repeatable)' },
  approve: {
    type: 'string',
    multiple: true,
    arg: 'ID',
    help: 'approve a high-risk action: an approval id, a check id, CHECK:ISSUE_CODE or all (repeatable)',
  },
  json: { type: 'boolean', help: 'print report.json to stdout (console lines go to stderr)' },
  quiet: { type: 'boolean', help: 'only the verdict line' },
  'report-dir': {
    type: 'string',
    arg: 'D',
    help: 'where report.json, healing_actions.log and summary.md go (default orixoon-reports)',
  },
  timeout: { type: 'string', arg: 'S', help: 'whole-run deadline in seconds (default 900; demo 600)' },
  'docker-host': {
    type: 'string',
    arg: 'H',
    help: 'unix://, tcp:// or ssh:// (default DOCKER_HOST or the local socket)',
  },
  'postgres-url': { type: 'string', arg: 'U', help: 'PostgreSQL connection string (overrides the config)' },
  'redis-url': { type: 'string', arg: 'U', help: 'Redis connection string (overrides the config)' },
  'issue-file': {
    type: 'string',
    arg: 'F',
    help: 'JSON issues to heal: {"issues": [{"code": "container_not_running", "container": "redis"}]}',
  },
  interval: { type: 'string', arg: 'S', help: 'seconds from one cycle start to the next (default 60)' },
  iterations: { type: 'string', arg: 'N', help: 'stop after N cycles (default: until stopped)' },
  'metrics-port': { type: 'string', arg: 'P', help: 'serve Prometheus metrics on 127.0.0.1:P/metrics' },
  state: {
    type: 'string',
    arg: 'F',
    help: 'SQLite file of the heal history, budgets and backoff (default state.path, else .orixoon/state.db)',
  },
  'state-url': {
    type: 'string',
    arg: 'U',
    help: 'PostgreSQL state store shared by many runners (overrides state.url and --state)',
  },
  keep: { type: 'boolean', help: 'leave the demo stack running afterwards' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', short: 'v', help: 'the version' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTION_SPECS;

/** Parsed option values, typed by their specs. */
export type CliValues = {
  -readonly [K in OptionName]?: (typeof OPTION_SPECS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTION_SPECS)[K]['type'] extends 'string'
      ? string
      : boolean;
};

const RUN_OPTIONS = [
  'report-dir',
  'timeout',
  'docker-host',
  'postgres-url',
  'redis-url',
  'state',
  'state-url',
] as const;

interface CommandSpec {
  synopsis: string;
  summary: string;
  options: readonly OptionName[];
  /** Lines after the options. */
  notes?: string[];
}

const COMMANDS = {
  check: {
    synopsis:
      'orixoon check [--config F] [--auto-heal] [--dry-run] [--phase NAME]... [--approve ID]... [--json]',
    summary: 'Run the phases once: check, heal what is safe (with --auto-heal), re-test, report.',
    options: ['config', 'auto-heal', 'dry-run', 'phase', 'approve', 'json', 'quiet', ...RUN_OPTIONS],
    notes: [
      '--dry-run implies --auto-heal: the plan shows what would be healed, and nothing is changed.',
      'A high-risk action waits for approval: run again with --approve ID (the id is in the output).',
    ],
  },
  heal: {
    synopsis: 'orixoon heal --issue-file F [--config F] [--dry-run] [--approve ID]... [--json]',
    summary: 'Heal the issues listed in a file; each is re-detected first, so a stale file changes nothing.',
    options: ['issue-file', 'config', 'dry-run', 'approve', 'json', 'quiet', ...RUN_OPTIONS],
    notes: [
      'An issue names a container or a check id of the config:',
      '  {"issues": [{"code": "container_not_running", "container": "redis"},',
      '              {"code": "db_pool_exhausted", "check": "db"}]}',
    ],
  },
  monitor: {
    synopsis: 'orixoon monitor [--config F] [--interval 60] [--iterations N] [--dry-run]',
    summary:
      'Check and heal every --interval seconds until stopped (Ctrl-C); limits and cooldowns hold across cycles.',
    options: [
      'config',
      'interval',
      'iterations',
      'dry-run',
      'phase',
      'approve',
      'quiet',
      'metrics-port',
      ...RUN_OPTIONS,
    ],
  },
  demo: {
    synopsis: 'orixoon demo [--keep] [--timeout S]',
    summary: 'Start a small demo stack in Docker, break it, and heal it.',
    options: ['keep', 'timeout'],
  },
  help: {
    synopsis: 'orixoon help [COMMAND]',
    summary: 'This help, or the help of one command.',
    options: [],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;
export type RunCommandName = Exclude<CommandName, 'help'>;

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
const GLOBAL_OPTIONS: readonly OptionName[] = ['help', 'version'];

/** The exit code of a run that an unexpected error ended: a bug, told apart from 1 (blocked). */
export const EXIT_CRASH = 3;

export const EXIT_CODES = [
  '0 passed or healed, 1 blocked, 2 usage or config error,',
  '3 unexpected internal error (a bug in Orixoon, not a finding; the deployment is blocked too),',
  "130/143 stopped by SIGINT/SIGTERM (the run's commands are killed and its reports written, blocked).",
];

export type ParsedCli =
  | { kind: 'version' }
  | { kind: 'help'; command?: CommandName; toStderr?: boolean }
  | { kind: 'run'; command: RunCommandName; values: CliValues };

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a typo's reach (about one edit per three letters), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const reach = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d <= reach && (!best || d < best.d)) best = { name: c, d };
  }
  // A prefix of exactly one candidate (`--dry`, `mon`) is as good a guess.
  if (!best) {
    const prefixed = candidates.filter((c) => word.length >= 3 && c.startsWith(word.toLowerCase()));
    if (prefixed.length === 1) return prefixed[0];
  }
  return best?.name;
}

function isCommand(name: string): name is CommandName {
  return (COMMAND_NAMES as string[]).includes(name);
}

function allowed(command: CommandName | undefined): OptionName[] {
  return [...GLOBAL_OPTIONS, ...(command ? COMMANDS[command].options : [])];
}

const flag = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

/** The commands that take an option (for "it is an option of demo"). */
function commandsWith(option: OptionName): RunCommandName[] {
  return COMMAND_NAMES.filter(
    (c): c is RunCommandName => c !== 'help' && (COMMANDS[c].options as readonly string[]).includes(option),
  );
}

function ownersNote(option: OptionName): string {
  const owners = commandsWith(option);
  return owners.length ? ` (an option of ${owners.join(', ')})` : '';
}

/**
 * Reads a command line: the command (the first word, wherever the options stand), then every option
 * checked against that command. Throws UsageError naming the first problem.
 */
export function parseCli(argv: string[]): ParsedCli {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> =
    OPTION_SPECS;
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const word = positionals[0];
  let command: CommandName | undefined;
  if (word !== undefined) {
    if (!isCommand(word)) {
      const guess = closest(word, COMMAND_NAMES);
      throw new UsageError(`unknown command "${word}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    command = word;
  }

  const values: Record<string, string | boolean | string[]> = {};
  const ok = allowed(command);
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const name = (
      t.name.length === 1
        ? Object.entries(OPTION_SPECS).find(([, s]) => 'short' in s && s.short === t.name)?.[0]
        : t.name
    ) as OptionName | undefined;
    const spec = name ? (OPTION_SPECS as Record<string, OptionSpec>)[name] : undefined;
    if (!name || !spec) {
      const guess = t.name.length > 1 ? closest(t.name, ok) : undefined;
      const elsewhere = guess ? undefined : closest(t.name, Object.keys(OPTION_SPECS));
      throw new UsageError(
        `unknown option ${t.rawName}` +
          (guess
            ? `; did you mean --${guess}?`
            : elsewhere
              ? `; did you mean --${elsewhere}${ownersNote(elsewhere as OptionName)}?`
              : ''),
        command,
      );
    }
    if (!ok.includes(name)) {
      throw new UsageError(
        command
          ? `${flag(name)} is not an option of ${command}${ownersNote(name)}`
          : `${flag(name)} needs a command first: orixoon ${commandsWith(name)[0] ?? 'check'} ${flag(name)} …`,
        command,
      );
    }
    if (spec.type === 'boolean') {
      if (t.value !== undefined)
        throw new UsageError(`${flag(name)} takes no value (got "${t.value}")`, command);
      values[name] = true;
      continue;
    }
    // A string option's value is the next word, unless that word is itself an option (`--config --dry-run`).
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-') && t.value.length > 1)) {
      throw new UsageError(
        `${flag(name)} needs a value: ${flag(name)} ${spec.arg ?? 'VALUE'}` +
          (t.value !== undefined
            ? ` (got the option ${t.value}; write ${flag(name)}=${t.value} if that is the value)`
            : ''),
        command,
      );
    }
    if (spec.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), t.value];
    else if (name in values) throw new UsageError(`${flag(name)} given twice`, command);
    else values[name] = t.value;
  }

  if (values.version) return { kind: 'version' };
  if (command === 'help') {
    const about = positionals[1];
    if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, 'help');
    if (about === undefined) return { kind: 'help' };
    if (!isCommand(about)) {
      const guess = closest(about, COMMAND_NAMES);
      throw new UsageError(`no command "${about}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    return { kind: 'help', command: about };
  }
  if (values.help) return { kind: 'help', command };
  if (!command) return { kind: 'help', toStderr: true };
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, command);
  return { kind: 'run', command, values: values as CliValues };
}

/** Formatting for the help texts (bold headings on a terminal that shows colour). */
export type HelpStyle = (format: 'bold' | 'dim', text: string) => string;

function optionLines(names: readonly OptionName[], style: HelpStyle): string[] {
  const rows = names.map((n) => {
    const s: OptionSpec = OPTION_SPECS[n];
    const left = `${s.short ? `-${s.short}, ` : ''}--${n}${s.arg ? ` ${s.arg}` : ''}`;
    return { left, help: s.help };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return rows.map((r) => `  ${style('bold', r.left.padEnd(width))}${r.help}`);
}

/** The general help, or one command's. */
export function helpText(command?: CommandName, style: HelpStyle = (_f, t) => t): string {
  if (!command) {
    const width = Math.max(...COMMAND_NAMES.map((c) => c.length)) + 2;
    return [
      `Orixoon ${VERSION}: pre-deployment checks that heal what they safely can.`,
      '',
      style('bold', 'Usage:'),
      '  orixoon COMMAND [options]',
      '',
      style('bold', 'Commands:'),
      ...COMMAND_NAMES.map((c) => `  ${style('bold', c.padEnd(width))}${COMMANDS[c].summary}`),
      `  ${style('bold', 'history'.padEnd(width))}Per-target heal history from the state store: heals, success rate, last actions.`,
      '',
      style('bold', 'Options:'),
      ...optionLines(GLOBAL_OPTIONS, style),
      '',
      `Run 'orixoon help COMMAND' (or 'orixoon COMMAND --help') for a command's options.`,
      '',
      style('bold', 'Exit codes:'),
      ...EXIT_CODES.map((l) => `  ${l}`),
    ].join('\n');
  }
  const spec: CommandSpec = COMMANDS[command];
  return [
    `${style('bold', 'Usage:')} ${spec.synopsis}`,
    '',
    spec.summary,
    ...(spec.options.length
      ? ['', style('bold', 'Options:'), ...optionLines([...spec.options, 'help'], style)]
      : []),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    ...(command === 'help' ? [] : ['', style('bold', 'Exit codes:'), ...EXIT_CODES.map((l) => `  ${l}`)]),
  ].join('\n');
}

/** The hint under a usage error. */
export function usageHint(command?: CommandName): string {
  return command && command !== 'help'
    ? `Run 'orixoon ${command} --help' for its options.`
    : `Run 'orixoon help' for the commands.`;
}
