import { createRequire as __orixoonCreateRequire } from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
const require = __orixoonCreateRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  ConfigError,
  ISSUE_CODES,
  Redactor,
  VERSION,
  buildConfiguredPlan,
  checkType,
  formatProblem,
  loadSessionConfig,
  newSessionState,
  runSession
} from "./chunks/chunk-BRK3IUSH.js";

// src/cli.ts
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
var USAGE = `Orixoon ${VERSION}: pre-deployment checks that heal what they safely can.

Usage:
  orixoon check   [--config F] [--auto-heal] [--dry-run] [--phase NAME]... [--approve ID]... [--json]
  orixoon heal    --issue-file F [--config F] [--dry-run] [--approve ID]... [--json]
  orixoon monitor [--config F] [--interval 60] [--iterations N] [--dry-run]   (heals; Ctrl-C stops)
  orixoon demo    [--keep]    start a small demo stack in Docker, break it, heal it
  orixoon --help | --version

Common options:
  --config F          YAML or JSON config (default .github/orixoon.yml; none \u2192 every container, default policy)
  --report-dir D      where report.json, healing_actions.log and summary.md go (default orixoon-reports)
  --timeout S         whole-run deadline in seconds (default 900)
  --docker-host H     unix://, tcp:// or ssh:// (default DOCKER_HOST or the local socket)
  --postgres-url U    --redis-url U   connection overrides
  --json              print report.json to stdout (console lines go to stderr)
  --quiet             only the verdict line

Exit codes: 0 passed or healed, 1 blocked, 2 usage or config error.`;
var UsageError = class extends Error {
};
var OPTIONS = {
  config: { type: "string" },
  "auto-heal": { type: "boolean" },
  "dry-run": { type: "boolean" },
  phase: { type: "string", multiple: true },
  approve: { type: "string", multiple: true },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  "report-dir": { type: "string" },
  timeout: { type: "string" },
  "docker-host": { type: "string" },
  "postgres-url": { type: "string" },
  "redis-url": { type: "string" },
  "issue-file": { type: "string" },
  interval: { type: "string" },
  iterations: { type: "string" },
  keep: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" }
};
function positiveNumber(name, raw, fallback) {
  if (raw === void 0) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  return n;
}
function sessionOptions(v, io, redactor, autoHeal) {
  const line = v.quiet ? void 0 : v.json ? io.err : io.out;
  return {
    configPath: v.config,
    cwd: io.cwd,
    env: io.env,
    autoHeal,
    dryRun: v["dry-run"] ?? false,
    phases: v.phase,
    approve: v.approve,
    timeoutSeconds: positiveNumber("timeout", v.timeout, 900),
    docker: v["docker-host"] ? { host: v["docker-host"] } : void 0,
    postgresUrl: v["postgres-url"],
    redisUrl: v["redis-url"],
    reportDir: v["report-dir"] ?? "orixoon-reports",
    redactor,
    sinks: {
      line: line ? (t) => line(t) : void 0,
      debug: io.env.ORIXOON_DEBUG ? (t) => io.err(t) : void 0
    }
  };
}
function readIssueFile(path, loaded) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError([
      { file: path, key: "", message: `cannot read the issue file as JSON: ${e.message}` }
    ]);
  }
  const entries = Array.isArray(raw) ? raw : raw?.issues;
  if (!Array.isArray(entries)) {
    throw new ConfigError([
      { file: path, key: "issues", message: 'expected {"issues": [...]} or an array of issues' }
    ]);
  }
  const configured = loaded.discovered ? [] : buildConfiguredPlan(loaded).flatMap((p) => p.checks);
  return entries.map((e, i) => {
    const code = e.code ?? e.type;
    const key = `issues[${i}]`;
    if (!ISSUE_CODES.includes(code)) {
      throw new ConfigError([
        {
          file: path,
          key: `${key}.code`,
          message: `unknown issue code "${String(code)}"; known: ${ISSUE_CODES.join(", ")}`
        }
      ]);
    }
    if (e.check) {
      const check = configured.find((c) => c.id === e.check);
      if (!check)
        throw new ConfigError([
          { file: path, key: `${key}.check`, message: `no check with id "${e.check}" in the config` }
        ]);
      return { code, check };
    }
    if (e.container) {
      const t = checkType("container");
      const check = t.create(
        {
          id: e.container,
          phase: "issue-file",
          dependsOn: [],
          options: t.options.parse({ container: e.container })
        },
        loaded.config
      );
      return { code, check };
    }
    throw new ConfigError([
      {
        file: path,
        key,
        message: 'each issue needs "check" (a check id from the config) or "container" (a name)'
      }
    ]);
  });
}
async function main(argv, io) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`${e.message}

${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  const [command, ...rest] = parsed.positionals;
  if (v.version) {
    io.out(VERSION);
    return 0;
  }
  if (v.help || !command) {
    (command || v.help ? io.out : io.err)(USAGE);
    return v.help ? 0 : 2;
  }
  if (rest.length) {
    io.err(`unexpected argument "${rest[0]}"

${USAGE}`);
    return 2;
  }
  const redactor = new Redactor();
  for (const s of [v["postgres-url"], v["redis-url"]]) redactor.add(s);
  try {
    switch (command) {
      case "check":
        return await once(v, io, redactor, v["auto-heal"] ?? v["dry-run"] ?? false);
      case "heal": {
        if (!v["issue-file"]) throw new UsageError("heal needs --issue-file FILE");
        const opts = sessionOptions(v, io, redactor, true);
        const loaded = loadSessionConfig(opts);
        const injected = readIssueFile(resolve(io.cwd, v["issue-file"]), loaded);
        return await once(v, io, redactor, true, { ...opts, injectedFindings: injected }, loaded);
      }
      case "monitor":
        return await monitor(v, io, redactor);
      case "demo": {
        const { runDemo } = await import("./chunks/demo-JUTECGXB.js");
        return await runDemo({
          io,
          keep: v.keep ?? false,
          timeoutSeconds: positiveNumber("timeout", v.timeout, 600)
        });
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) io.err(redactor.redact(`error: ${formatProblem(p)}`));
      io.err("Nothing was checked or changed.");
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}

${USAGE}`);
      return 2;
    }
    throw e;
  }
}
async function once(v, io, redactor, autoHeal, opts = sessionOptions(v, io, redactor, autoHeal), loaded) {
  const result = await runSession(opts, loaded ?? loadSessionConfig(opts));
  if (v.json) io.out(JSON.stringify(result.report, null, 2));
  else if (v.quiet) io.out(result.report.headline);
  (v.json ? io.err : io.out)(`Report: ${result.written.reportPath}`);
  return result.report.verdict === "blocked" ? 1 : 0;
}
async function monitor(v, io, redactor) {
  const intervalMs = positiveNumber("interval", v.interval, 60) * 1e3;
  const iterations = v.iterations ? positiveNumber("iterations", v.iterations, 1) : Number.POSITIVE_INFINITY;
  const opts = sessionOptions(v, io, redactor, true);
  const loaded = loadSessionConfig(opts);
  const session = newSessionState();
  let last = 0;
  for (let i = 1; i <= iterations && !io.stopSignal?.aborted; i++) {
    const started = Date.now();
    io.out(`\u2500\u2500 monitor cycle ${i} (${(/* @__PURE__ */ new Date()).toISOString()}) \u2500\u2500`);
    const r = await runSession({ ...opts, session }, loaded);
    last = r.report.verdict === "blocked" ? 1 : 0;
    io.out(`Report: ${r.written.reportPath}`);
    if (i >= iterations) break;
    const wait = Math.max(0, intervalMs - (Date.now() - started));
    await new Promise((res) => {
      const done = () => {
        clearTimeout(t);
        io.stopSignal?.removeEventListener("abort", done);
        res();
      };
      const t = setTimeout(done, wait);
      io.stopSignal?.addEventListener("abort", done, { once: true });
    });
  }
  return io.stopSignal?.aborted ? 0 : last;
}
async function cliEntry() {
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => stop.abort());
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}
`),
    err: (t) => process.stderr.write(`${t}
`),
    env: process.env,
    cwd: process.cwd(),
    stopSignal: stop.signal
  });
  process.exitCode = code;
}
if (process.argv[1] && /(?:^|[\\/])(?:cli\.(?:js|ts)|orixoon(?:\.js)?)$/.test(process.argv[1])) {
  cliEntry().catch((e) => {
    process.stderr.write(
      `orixoon: unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}
`
    );
    process.exitCode = 1;
  });
}
export {
  UsageError,
  main,
  readIssueFile
};
