import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  blockedReport,
  buildConfiguredPlan,
  deadlineMessage,
  isIssueCode,
  loadSessionConfig,
  newSessionState,
  openSessionState,
  reportDirOf,
  reportDirProblem,
  runSession
} from "./chunk-LLQ7VGHH.js";
import {
  ConfigError,
  MAX_RUN_SECONDS,
  checkType,
  formatProblem,
  issueCodes,
  redisUrlProblem
} from "./chunk-NBNSFWGK.js";
import {
  Redactor
} from "./chunk-NX6JUITK.js";
import "./chunk-GZM7BHQG.js";
import {
  budgetSettingsOf
} from "./chunk-KW6K4AAY.js";
import "./chunk-BWS4LX76.js";
import "./chunk-KVU4AOYW.js";
import {
  paintLine,
  plain
} from "./chunk-CYZCA7FZ.js";
import {
  EXIT_CRASH,
  UsageError
} from "./chunk-2ZQZQNNP.js";
import "./chunk-VQUWAF73.js";
import {
  OVERRUN_GRACE_MS
} from "./chunk-V5A3BZ4W.js";
import "./chunk-KJRLVASL.js";
import "./chunk-WQ37B3FA.js";

// src/cli/commands.ts
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
function positiveNumber(name, raw, fallback, max = Infinity) {
  if (raw === void 0) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  if (n > max) throw new UsageError(`--${name} must be at most ${max} seconds (24 h), got "${raw}"`);
  return n;
}
function redisUrlOption(raw) {
  const problem = raw && redisUrlProblem(raw);
  if (problem) throw new UsageError(`--redis-url: ${problem}`);
  return raw;
}
var cliApproveHint = (id) => `--approve ${id}  (run the same command again with it)`;
function stateUrlOption(url) {
  if (url !== void 0 && !/^postgres(ql)?:\/\//.test(url))
    throw new UsageError("--state-url must be a postgres:// or postgresql:// URL");
  return url;
}
function sessionOptions(v, io, redactor, autoHeal) {
  const toErr = v.json === true;
  const line = v.quiet ? void 0 : toErr ? io.err : io.out;
  const paint = (toErr ? io.paint?.err : io.paint?.out) ?? plain;
  let said = false;
  const say = line && ((t) => (said = true, line(t)));
  return {
    configPath: v.config,
    cwd: io.cwd,
    env: io.env,
    autoHeal,
    dryRun: v["dry-run"] ?? false,
    phases: v.phase,
    approve: v.approve,
    approveHint: cliApproveHint,
    timeoutSeconds: positiveNumber("timeout", v.timeout, 900, MAX_RUN_SECONDS),
    signal: io.stopSignal,
    processes: io.guard?.processes,
    docker: v["docker-host"] ? { host: v["docker-host"] } : void 0,
    postgresUrl: v["postgres-url"],
    redisUrl: redisUrlOption(v["redis-url"]),
    reportDir: v["report-dir"] ?? "orixoon-reports",
    redactor,
    state: { path: v.state, url: stateUrlOption(v["state-url"]) },
    sinks: {
      line: say && ((t) => say(paintLine(paint, t))),
      group: say && ((t) => (said && say(""), say(paint("bold", `\u2501\u2501 ${t} \u2501\u2501`)))),
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
    if (typeof code !== "string" || !isIssueCode(code)) {
      throw new ConfigError([
        {
          file: path,
          key: `${key}.code`,
          message: `unknown issue code "${String(code)}"; known: ${issueCodes().join(", ")}`
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
async function runCommand(command, v, io) {
  const redactor = new Redactor();
  for (const s of [v["postgres-url"], v["redis-url"]]) redactor.add(s);
  try {
    switch (command) {
      case "check":
        return await once(v, io, redactor, v["auto-heal"] ?? v["dry-run"] ?? false);
      case "heal": {
        if (!v["issue-file"]) throw new UsageError("heal needs --issue-file FILE", "heal");
        const opts = sessionOptions(v, io, redactor, true);
        const loaded = loadSessionConfig(opts);
        const injected = readIssueFile(resolve(io.cwd, v["issue-file"]), loaded);
        return await once(v, io, redactor, true, { ...opts, injectedFindings: injected }, loaded);
      }
      case "monitor":
        return await monitor(v, io, redactor);
      case "demo": {
        const { runDemo } = await import("./run-DJ4CAEAF.js");
        return await runDemo({
          io,
          keep: v.keep ?? false,
          timeoutSeconds: positiveNumber("timeout", v.timeout, 600, MAX_RUN_SECONDS)
        });
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      const paint = io.paint?.err ?? plain;
      for (const p of e.problems) io.err(redactor.redact(`${paint("red", "error:")} ${formatProblem(p)}`));
      io.err("Nothing was checked or changed.");
      return 2;
    }
    throw e;
  }
}
function exitCodeOf(report) {
  if (report.interrupted?.reason === "error") return EXIT_CRASH;
  return report.verdict === "blocked" ? 1 : 0;
}
async function once(v, io, redactor, autoHeal, opts = sessionOptions(v, io, redactor, autoHeal), loaded) {
  const result = await guardedSession(opts, loaded ?? loadSessionConfig(opts), io);
  if (v.json) io.out(JSON.stringify(result.report, null, 2));
  else if (v.quiet) io.out(result.report.headline);
  const paint = (v.json ? io.paint?.err : io.paint?.out) ?? plain;
  (v.json ? io.err : io.out)(paintLine(paint, `Report: ${result.written.reportPath}`));
  io.guard?.written();
  return exitCodeOf(result.report);
}
async function guardedSession(opts, loaded, io) {
  const dir = reportDirOf(opts);
  const problem = reportDirProblem(dir);
  if (problem) throw new UsageError(`${problem}: give --report-dir a directory you can write`);
  const startedAt = /* @__PURE__ */ new Date();
  const timeoutSeconds = opts.timeoutSeconds ?? 900;
  const deadline = startedAt.getTime() + timeoutSeconds * 1e3;
  io.guard?.arm(deadline + OVERRUN_GRACE_MS, {
    reportDir: dir,
    report: blockedReport({
      startedAt,
      interrupted: { reason: "deadline", detail: deadlineMessage(timeoutSeconds) },
      autoHeal: opts.autoHeal,
      dryRun: opts.dryRun,
      configPath: loaded.path,
      phases: opts.phases
    })
  });
  return runSession({ ...opts, deadline }, loaded);
}
async function monitor(v, io, redactor) {
  const intervalMs = positiveNumber("interval", v.interval, 60, MAX_RUN_SECONDS) * 1e3;
  const iterations = v.iterations ? positiveNumber("iterations", v.iterations, 1) : Number.POSITIVE_INFINITY;
  const opts = sessionOptions(v, io, redactor, true);
  const loaded = loadSessionConfig(opts);
  const paint = io.paint?.out ?? plain;
  const session = newSessionState();
  const openedState = await openSessionState(opts, loaded);
  const metrics = await (await import("./metrics-DMMK2LCE.js")).startMonitorMetrics(
    v["metrics-port"],
    io,
    openedState.store ? { store: openedState.store, settings: budgetSettingsOf(loaded.config.safety_limits) } : void 0
  );
  let last = 0;
  for (let i = 1; i <= iterations && !io.stopSignal?.aborted; i++) {
    const started = Date.now();
    io.out(paint("bold", `\u2500\u2500 monitor cycle ${i} (${(/* @__PURE__ */ new Date()).toISOString()}) \u2500\u2500`));
    const r = await guardedSession({ ...opts, session, openedState }, loaded, io);
    last = exitCodeOf(r.report);
    await metrics?.observe(r.report);
    io.out(paintLine(paint, `Report: ${r.written.reportPath}`));
    io.guard?.written();
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
  await metrics?.close();
  await openedState.store?.close();
  return io.stopSignal?.aborted ? 0 : last;
}
export {
  readIssueFile,
  runCommand
};
