import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  Redactor,
  openStateStore
} from "./chunk-NX6JUITK.js";
import {
  DEFAULT_STATE_PATH
} from "./chunk-GZM7BHQG.js";
import "./chunk-BWS4LX76.js";
import {
  formatMilliseconds
} from "./chunk-KVU4AOYW.js";
import "./chunk-WQ37B3FA.js";

// src/cli/history.ts
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
var HISTORY_HELP = `orixoon history [--check ID] [--since 7d] [--json] [--state F | --state-url U] [--config F]

Per-target heal history from the state store: findings, heals, success rate, mean time to heal, last actions.

  --check ID       only this check's targets
  --since D        how far back: 30m, 12h, 7d, 2w or a date (default 7d)
  --json           print the history as JSON
  --state F        the SQLite state file (default: state.path of the config, else ${DEFAULT_STATE_PATH})
  --state-url U    a PostgreSQL state store (default: state.url of the config)
  --config F       the config to take state.path / state.url from (default .github/orixoon.yml when present)
  --last N         last actions shown per target (default 3)
  -h, --help       this help`;
var UNITS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 7 * 864e5 };
function parseSince(raw, now) {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(raw.trim());
  if (m) return now - Number(m[1]) * UNITS[m[2]];
  const t = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(t)) return t;
  return `--since must be a duration like 30m, 12h, 7d, 2w or a date like 2026-01-31, got "${raw}"`;
}
var iso = (ms) => new Date(ms).toISOString();
var when = (ms) => iso(ms).replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");
var pct = (r) => r === null ? "\u2014" : `${Math.round(r * 100)}%`;
function actionLine(a) {
  const tail = a.outcome === "healed" ? "" : a.error ? `: ${a.error}` : "";
  return `${when(a.at)}  ${a.action} \u2192 ${a.outcome} (${a.attempts}\xD7, ${formatMilliseconds(a.durationMs)})${tail}`;
}
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map(
    (r) => r.map((c, i) => i === r.length - 1 ? c : c + " ".repeat(widths[i] - [...c].length)).join("  ").trimEnd()
  );
}
function renderHistory(targets, since, where) {
  const lines = [`Heal history since ${when(since)} (${where})`, ""];
  if (!targets.length) return [...lines, "No findings recorded in that time."];
  lines.push(
    ...table([
      ["TARGET", "CHECK", "FINDINGS", "HEALS", "SUCCESS", "MEAN TIME TO HEAL", "LAST SEEN"],
      ...targets.map((t) => [
        t.host ? `${t.target} @ ${t.host}` : t.target,
        t.checkId,
        String(t.findings),
        String(t.actions),
        pct(t.successRate),
        t.meanTimeToHealMs === null ? "\u2014" : formatMilliseconds(t.meanTimeToHealMs),
        when(t.lastAt)
      ])
    ])
  );
  const withActions = targets.filter((t) => t.lastActions.length);
  if (withActions.length) lines.push("", "Last actions:");
  for (const t of withActions) {
    lines.push(`  ${t.checkId} / ${t.target}${t.host ? ` @ ${t.host}` : ""}`);
    for (const a of t.lastActions) lines.push(`    ${actionLine(a)}`);
  }
  return lines;
}
function historyJson(targets, since, store) {
  return {
    since: iso(since),
    store,
    targets: targets.map((t) => ({
      ...t,
      lastAt: iso(t.lastAt),
      lastActions: t.lastActions.map(({ run, ...a }) => ({ ...a, run, at: iso(a.at) }))
    }))
  };
}
async function historyCommand(argv, io, now = Date.now()) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        check: { type: "string" },
        since: { type: "string" },
        json: { type: "boolean" },
        state: { type: "string" },
        "state-url": { type: "string" },
        config: { type: "string" },
        last: { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values;
  } catch (e) {
    io.err(`orixoon: ${e.message}`);
    io.err("Run `orixoon history --help` for its options.");
    return 2;
  }
  if (values.help) {
    io.out(HISTORY_HELP);
    return 0;
  }
  const since = parseSince(values.since ?? "7d", now);
  const last = values.last === void 0 ? 3 : Number(values.last);
  const usage = typeof since === "string" ? since : !Number.isInteger(last) || last < 0 || last > 1e3 ? `--last must be a whole number from 0 to 1000, got "${values.last}"` : values.state && values["state-url"] ? "--state and --state-url are two different stores: give one" : null;
  if (usage) {
    io.err(`orixoon: ${usage}`);
    return 2;
  }
  let state = {};
  if (!values.state && !values["state-url"]) {
    const { ConfigError, formatProblem, resolveConfig } = await import("./load-OIQEDAEX.js");
    try {
      const loaded = resolveConfig(values.config, io.env, io.cwd);
      state = loaded.config.state ?? {};
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) io.err(`error: ${formatProblem(p)}`);
      return 2;
    }
  }
  const config = values["state-url"] ? { url: values["state-url"] } : values.state ? { path: values.state } : state;
  const redactor = new Redactor();
  if (!config.url) {
    const raw = config.path ?? DEFAULT_STATE_PATH;
    const path = isAbsolute(raw) ? raw : resolve(io.cwd, raw);
    if (!existsSync(path)) {
      if (values.json)
        io.out(JSON.stringify(historyJson([], since, { kind: "sqlite", location: path }), null, 2));
      else io.out(`No history yet: ${path} does not exist (a run with the state store writes it).`);
      return 0;
    }
  }
  const opened = await openStateStore({ config: { ...config, required: true }, cwd: io.cwd, redactor });
  for (const w of opened.warnings)
    io.err(redactor.redact(w.replace(/ state\.required is true: the run is blocked\./, "")));
  if (!opened.store) return 1;
  try {
    const targets = await opened.store.summary({
      checkId: values.check,
      since,
      lastActions: last
    });
    const where = `${opened.store.kind === "sqlite" ? "state file" : "PostgreSQL store"} ${opened.store.location}`;
    if (values.json) {
      io.out(
        JSON.stringify(
          historyJson(targets, since, { kind: opened.store.kind, location: opened.store.location }),
          null,
          2
        )
      );
    } else {
      for (const line of renderHistory(targets, since, where)) io.out(line);
    }
    return 0;
  } finally {
    await opened.store.close();
  }
}
export {
  HISTORY_HELP,
  historyCommand,
  historyJson,
  parseSince,
  renderHistory
};
