import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  VERSION
} from "./chunk-VQUWAF73.js";

// src/cli/args.ts
import { parseArgs } from "node:util";
var UsageError = class extends Error {
  /** The command whose help to point at (undefined: the general help). */
  command;
  constructor(message, command) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
};
var OPTION_SPECS = {
  config: {
    type: "string",
    arg: "F",
    help: "YAML or JSON config (default .github/orixoon.yml; none \u2192 every container, default policy)"
  },
  "auto-heal": { type: "boolean", help: "heal what the checks find (without it: check and report only)" },
  "dry-run": { type: "boolean", help: "change nothing; report which action would run on what, and why" },
  phase: { type: "string", multiple: true, arg: "NAME", help: "run only this phase (repeatable)" },
  approve: {
    type: "string",
    multiple: true,
    arg: "ID",
    help: "approve a high-risk action: an approval id, a check id, CHECK:ISSUE_CODE or all (repeatable)"
  },
  json: { type: "boolean", help: "print report.json to stdout (console lines go to stderr)" },
  quiet: { type: "boolean", help: "only the verdict line" },
  "report-dir": {
    type: "string",
    arg: "D",
    help: "where report.json, healing_actions.log and summary.md go (default orixoon-reports)"
  },
  timeout: { type: "string", arg: "S", help: "whole-run deadline in seconds (default 900; demo 600)" },
  "docker-host": {
    type: "string",
    arg: "H",
    help: "unix://, tcp:// or ssh:// (default DOCKER_HOST or the local socket)"
  },
  "postgres-url": { type: "string", arg: "U", help: "PostgreSQL connection string (overrides the config)" },
  "redis-url": { type: "string", arg: "U", help: "Redis connection string (overrides the config)" },
  "issue-file": {
    type: "string",
    arg: "F",
    help: 'JSON issues to heal: {"issues": [{"code": "container_not_running", "container": "redis"}]}'
  },
  interval: { type: "string", arg: "S", help: "seconds from one cycle start to the next (default 60)" },
  iterations: { type: "string", arg: "N", help: "stop after N cycles (default: until stopped)" },
  "metrics-port": { type: "string", arg: "P", help: "serve Prometheus metrics on 127.0.0.1:P/metrics" },
  state: {
    type: "string",
    arg: "F",
    help: "SQLite file of the heal history, budgets and backoff (default state.path, else .orixoon/state.db)"
  },
  "state-url": {
    type: "string",
    arg: "U",
    help: "PostgreSQL state store shared by many runners (overrides state.url and --state)"
  },
  keep: { type: "boolean", help: "leave the demo stack running afterwards" },
  help: { type: "boolean", short: "h", help: "this help" },
  version: { type: "boolean", short: "v", help: "the version" }
};
var RUN_OPTIONS = [
  "report-dir",
  "timeout",
  "docker-host",
  "postgres-url",
  "redis-url",
  "state",
  "state-url"
];
var COMMANDS = {
  check: {
    synopsis: "orixoon check [--config F] [--auto-heal] [--dry-run] [--phase NAME]... [--approve ID]... [--json]",
    summary: "Run the phases once: check, heal what is safe (with --auto-heal), re-test, report.",
    options: ["config", "auto-heal", "dry-run", "phase", "approve", "json", "quiet", ...RUN_OPTIONS],
    notes: [
      "--dry-run implies --auto-heal: the plan shows what would be healed, and nothing is changed.",
      "A high-risk action waits for approval: run again with --approve ID (the id is in the output)."
    ]
  },
  heal: {
    synopsis: "orixoon heal --issue-file F [--config F] [--dry-run] [--approve ID]... [--json]",
    summary: "Heal the issues listed in a file; each is re-detected first, so a stale file changes nothing.",
    options: ["issue-file", "config", "dry-run", "approve", "json", "quiet", ...RUN_OPTIONS],
    notes: [
      "An issue names a container or a check id of the config:",
      '  {"issues": [{"code": "container_not_running", "container": "redis"},',
      '              {"code": "db_pool_exhausted", "check": "db"}]}'
    ]
  },
  monitor: {
    synopsis: "orixoon monitor [--config F] [--interval 60] [--iterations N] [--dry-run]",
    summary: "Check and heal every --interval seconds until stopped (Ctrl-C); limits and cooldowns hold across cycles.",
    options: [
      "config",
      "interval",
      "iterations",
      "dry-run",
      "phase",
      "approve",
      "quiet",
      "metrics-port",
      ...RUN_OPTIONS
    ]
  },
  demo: {
    synopsis: "orixoon demo [--keep] [--timeout S]",
    summary: "Start a small demo stack in Docker, break it, and heal it.",
    options: ["keep", "timeout"]
  },
  help: {
    synopsis: "orixoon help [COMMAND]",
    summary: "This help, or the help of one command.",
    options: []
  }
};
var COMMAND_NAMES = Object.keys(COMMANDS);
var GLOBAL_OPTIONS = ["help", "version"];
var EXIT_CRASH = 3;
var EXIT_CODES = [
  "0 passed or healed, 1 blocked, 2 usage or config error,",
  "3 unexpected internal error (a bug in Orixoon, not a finding; the deployment is blocked too),",
  "130/143 stopped by SIGINT/SIGTERM (the run's commands are killed and its reports written, blocked)."
];
function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
function closest(word, candidates) {
  const reach = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d <= reach && (!best || d < best.d)) best = { name: c, d };
  }
  if (!best) {
    const prefixed = candidates.filter((c) => word.length >= 3 && c.startsWith(word.toLowerCase()));
    if (prefixed.length === 1) return prefixed[0];
  }
  return best?.name;
}
function isCommand(name) {
  return COMMAND_NAMES.includes(name);
}
function allowed(command) {
  return [...GLOBAL_OPTIONS, ...command ? COMMANDS[command].options : []];
}
var flag = (name) => name.length === 1 ? `-${name}` : `--${name}`;
function commandsWith(option) {
  return COMMAND_NAMES.filter(
    (c) => c !== "help" && COMMANDS[c].options.includes(option)
  );
}
function ownersNote(option) {
  const owners = commandsWith(option);
  return owners.length ? ` (an option of ${owners.join(", ")})` : "";
}
function parseCli(argv) {
  const options = OPTION_SPECS;
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const positionals = tokens.filter((t) => t.kind === "positional").map((t) => t.value);
  const word = positionals[0];
  let command;
  if (word !== void 0) {
    if (!isCommand(word)) {
      const guess = closest(word, COMMAND_NAMES);
      throw new UsageError(`unknown command "${word}"${guess ? `; did you mean "${guess}"?` : ""}`);
    }
    command = word;
  }
  const values = {};
  const ok = allowed(command);
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const name = t.name.length === 1 ? Object.entries(OPTION_SPECS).find(([, s]) => "short" in s && s.short === t.name)?.[0] : t.name;
    const spec = name ? OPTION_SPECS[name] : void 0;
    if (!name || !spec) {
      const guess = t.name.length > 1 ? closest(t.name, ok) : void 0;
      const elsewhere = guess ? void 0 : closest(t.name, Object.keys(OPTION_SPECS));
      throw new UsageError(
        `unknown option ${t.rawName}` + (guess ? `; did you mean --${guess}?` : elsewhere ? `; did you mean --${elsewhere}${ownersNote(elsewhere)}?` : ""),
        command
      );
    }
    if (!ok.includes(name)) {
      throw new UsageError(
        command ? `${flag(name)} is not an option of ${command}${ownersNote(name)}` : `${flag(name)} needs a command first: orixoon ${commandsWith(name)[0] ?? "check"} ${flag(name)} \u2026`,
        command
      );
    }
    if (spec.type === "boolean") {
      if (t.value !== void 0)
        throw new UsageError(`${flag(name)} takes no value (got "${t.value}")`, command);
      values[name] = true;
      continue;
    }
    if (t.value === void 0 || !t.inlineValue && t.value.startsWith("-") && t.value.length > 1) {
      throw new UsageError(
        `${flag(name)} needs a value: ${flag(name)} ${spec.arg ?? "VALUE"}` + (t.value !== void 0 ? ` (got the option ${t.value}; write ${flag(name)}=${t.value} if that is the value)` : ""),
        command
      );
    }
    if (spec.multiple) values[name] = [...values[name] ?? [], t.value];
    else if (name in values) throw new UsageError(`${flag(name)} given twice`, command);
    else values[name] = t.value;
  }
  if (values.version) return { kind: "version" };
  if (command === "help") {
    const about = positionals[1];
    if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`, "help");
    if (about === void 0) return { kind: "help" };
    if (!isCommand(about)) {
      const guess = closest(about, COMMAND_NAMES);
      throw new UsageError(`no command "${about}"${guess ? `; did you mean "${guess}"?` : ""}`);
    }
    return { kind: "help", command: about };
  }
  if (values.help) return { kind: "help", command };
  if (!command) return { kind: "help", toStderr: true };
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, command);
  return { kind: "run", command, values };
}
function optionLines(names, style) {
  const rows = names.map((n) => {
    const s = OPTION_SPECS[n];
    const left = `${s.short ? `-${s.short}, ` : ""}--${n}${s.arg ? ` ${s.arg}` : ""}`;
    return { left, help: s.help };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return rows.map((r) => `  ${style("bold", r.left.padEnd(width))}${r.help}`);
}
function helpText(command, style = (_f, t) => t) {
  if (!command) {
    const width = Math.max(...COMMAND_NAMES.map((c) => c.length)) + 2;
    return [
      `Orixoon ${VERSION}: pre-deployment checks that heal what they safely can.`,
      "",
      style("bold", "Usage:"),
      "  orixoon COMMAND [options]",
      "",
      style("bold", "Commands:"),
      ...COMMAND_NAMES.map((c) => `  ${style("bold", c.padEnd(width))}${COMMANDS[c].summary}`),
      `  ${style("bold", "history".padEnd(width))}Per-target heal history from the state store: heals, success rate, last actions.`,
      "",
      style("bold", "Options:"),
      ...optionLines(GLOBAL_OPTIONS, style),
      "",
      `Run 'orixoon help COMMAND' (or 'orixoon COMMAND --help') for a command's options.`,
      "",
      style("bold", "Exit codes:"),
      ...EXIT_CODES.map((l) => `  ${l}`)
    ].join("\n");
  }
  const spec = COMMANDS[command];
  return [
    `${style("bold", "Usage:")} ${spec.synopsis}`,
    "",
    spec.summary,
    ...spec.options.length ? ["", style("bold", "Options:"), ...optionLines([...spec.options, "help"], style)] : [],
    ...spec.notes?.length ? ["", ...spec.notes] : [],
    ...command === "help" ? [] : ["", style("bold", "Exit codes:"), ...EXIT_CODES.map((l) => `  ${l}`)]
  ].join("\n");
}
function usageHint(command) {
  return command && command !== "help" ? `Run 'orixoon ${command} --help' for its options.` : `Run 'orixoon help' for the commands.`;
}

export {
  UsageError,
  EXIT_CRASH,
  parseCli,
  helpText,
  usageHint
};
