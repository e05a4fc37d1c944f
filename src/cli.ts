// The command line (PRODUCT §7): `orixoon check`, `orixoon heal --issue-file`, `orixoon monitor`,
// `orixoon demo`. Exit 0 = passed or healed, 1 = blocked, 2 = usage or config error, 130/143 = stopped by
// SIGINT/SIGTERM (the run's commands are killed and its reports written, blocked).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkType } from './checks/registry.js';
import type { CliIO } from './cli-io.js';
import { MAX_RUN_SECONDS } from './config/limits.js';
import { ConfigError, formatProblem, type LoadedConfig } from './config/load.js';
import { redisUrlProblem } from './config/redis-url.js';
import { buildConfiguredPlan } from './engine/plan.js';
import { Redactor } from './engine/redact.js';
import { blockedReport, deadlineMessage } from './engine/interruption.js';
import { newSessionState } from './healing/policy.js';
import { ISSUE_CODES, type Check, type IssueCode } from './engine/types.js';
import { exitWhenFlushed, guardProcess, OVERRUN_GRACE_MS, type ProcessGuard } from './process-guard.js';
import {
  loadSessionConfig,
  reportDirOf,
  reportDirProblem,
  runSession,
  type SessionOptions,
  type SessionResult,
} from './session.js';
import { VERSION } from './version.js';

const USAGE = `Orixoon ${VERSION}: pre-deployment checks that heal what they safely can.

Usage:
  orixoon check   [--config F] [--auto-heal] [--dry-run] [--phase NAME]... [--approve ID]... [--json]
  orixoon heal    --issue-file F [--config F] [--dry-run] [--approve ID]... [--json]
  orixoon monitor [--config F] [--interval 60] [--iterations N] [--dry-run]   (heals; Ctrl-C stops)
  orixoon demo    [--keep]    start a small demo stack in Docker, break it, heal it
  orixoon --help | --version

Common options:
  --config F          YAML or JSON config (default .github/orixoon.yml; none → every container, default policy)
  --report-dir D      where report.json, healing_actions.log and summary.md go (default orixoon-reports)
  --timeout S         whole-run deadline in seconds (default 900)
  --docker-host H     unix://, tcp:// or ssh:// (default DOCKER_HOST or the local socket)
  --postgres-url U    --redis-url U   connection overrides
  --json              print report.json to stdout (console lines go to stderr)
  --quiet             only the verdict line

Exit codes: 0 passed or healed, 1 blocked, 2 usage or config error, 130/143 stopped by SIGINT/SIGTERM
(the run's commands are killed and its reports written, blocked).`;

export class UsageError extends Error {}

const OPTIONS = {
  config: { type: 'string' },
  'auto-heal': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  phase: { type: 'string', multiple: true },
  approve: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  'report-dir': { type: 'string' },
  timeout: { type: 'string' },
  'docker-host': { type: 'string' },
  'postgres-url': { type: 'string' },
  'redis-url': { type: 'string' },
  'issue-file': { type: 'string' },
  interval: { type: 'string' },
  iterations: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function positiveNumber(name: string, raw: string | undefined, fallback: number, max = Infinity): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  // Seconds that feed a timer: past the maximum the timer would overflow and fire at once.
  if (n > max) throw new UsageError(`--${name} must be at most ${max} seconds (24 h), got "${raw}"`);
  return n;
}

function redisUrlOption(raw: string | undefined): string | undefined {
  const problem = raw && redisUrlProblem(raw);
  if (problem) throw new UsageError(`--redis-url: ${problem}`);
  return raw;
}

export type { CliIO };

function sessionOptions(v: Values, io: CliIO, redactor: Redactor, autoHeal: boolean): SessionOptions {
  const line = v.quiet ? undefined : v.json ? io.err : io.out;
  return {
    configPath: v.config,
    cwd: io.cwd,
    env: io.env,
    autoHeal,
    dryRun: v['dry-run'] ?? false,
    phases: v.phase,
    approve: v.approve,
    timeoutSeconds: positiveNumber('timeout', v.timeout, 900, MAX_RUN_SECONDS),
    signal: io.stopSignal,
    processes: io.guard?.processes,
    docker: v['docker-host'] ? { host: v['docker-host'] } : undefined,
    postgresUrl: v['postgres-url'],
    redisUrl: redisUrlOption(v['redis-url']),
    reportDir: v['report-dir'] ?? 'orixoon-reports',
    redactor,
    sinks: {
      line: line ? (t) => line(t) : undefined,
      debug: io.env.ORIXOON_DEBUG ? (t) => io.err(t) : undefined,
    },
  };
}

interface IssueEntry {
  code?: string;
  type?: string;
  check?: string;
  container?: string;
}

/** `heal --issue-file`: `{"issues": [{"code": "container_not_running", "container": "redis"}, {"code": "db_pool_exhausted", "check": "db"}]}` (or a bare array). */
export function readIssueFile(path: string, loaded: LoadedConfig): Array<{ code: IssueCode; check: Check }> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError([
      { file: path, key: '', message: `cannot read the issue file as JSON: ${(e as Error).message}` },
    ]);
  }
  const entries = (Array.isArray(raw) ? raw : (raw as { issues?: unknown })?.issues) as
    IssueEntry[] | undefined;
  if (!Array.isArray(entries)) {
    throw new ConfigError([
      { file: path, key: 'issues', message: 'expected {"issues": [...]} or an array of issues' },
    ]);
  }
  const configured = loaded.discovered ? [] : buildConfiguredPlan(loaded).flatMap((p) => p.checks);
  return entries.map((e, i) => {
    const code = (e.code ?? e.type) as IssueCode;
    const key = `issues[${i}]`;
    if (!ISSUE_CODES.includes(code)) {
      throw new ConfigError([
        {
          file: path,
          key: `${key}.code`,
          message: `unknown issue code "${String(code)}"; known: ${ISSUE_CODES.join(', ')}`,
        },
      ]);
    }
    if (e.check) {
      const check = configured.find((c) => c.id === e.check);
      if (!check)
        throw new ConfigError([
          { file: path, key: `${key}.check`, message: `no check with id "${e.check}" in the config` },
        ]);
      return { code, check };
    }
    if (e.container) {
      const t = checkType('container')!;
      const check = t.create(
        {
          id: e.container,
          phase: 'issue-file',
          dependsOn: [],
          options: t.options.parse({ container: e.container }),
        },
        loaded.config,
      );
      return { code, check };
    }
    throw new ConfigError([
      {
        file: path,
        key,
        message: 'each issue needs "check" (a check id from the config) or "container" (a name)',
      },
    ]);
  });
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}`);
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
    io.err(`unexpected argument "${rest[0]}"\n\n${USAGE}`);
    return 2;
  }
  const redactor = new Redactor();
  for (const s of [v['postgres-url'], v['redis-url']]) redactor.add(s);
  try {
    switch (command) {
      case 'check':
        // A dry run shows the healing plan, so it implies --auto-heal (nothing is changed either way).
        return await once(v, io, redactor, v['auto-heal'] ?? v['dry-run'] ?? false);
      case 'heal': {
        if (!v['issue-file']) throw new UsageError('heal needs --issue-file FILE');
        const opts = sessionOptions(v, io, redactor, true);
        const loaded = loadSessionConfig(opts);
        const injected = readIssueFile(resolve(io.cwd, v['issue-file']), loaded);
        return await once(v, io, redactor, true, { ...opts, injectedFindings: injected }, loaded);
      }
      case 'monitor':
        return await monitor(v, io, redactor);
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo({
          io,
          keep: v.keep ?? false,
          timeoutSeconds: positiveNumber('timeout', v.timeout, 600, MAX_RUN_SECONDS),
        });
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) io.err(redactor.redact(`error: ${formatProblem(p)}`));
      io.err('Nothing was checked or changed.');
      return 2;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

async function once(
  v: Values,
  io: CliIO,
  redactor: Redactor,
  autoHeal: boolean,
  opts = sessionOptions(v, io, redactor, autoHeal),
  loaded?: LoadedConfig,
): Promise<number> {
  const result = await guardedSession(opts, loaded ?? loadSessionConfig(opts), io);
  if (v.json) io.out(JSON.stringify(result.report, null, 2));
  else if (v.quiet) io.out(result.report.headline);
  (v.json ? io.err : io.out)(`Report: ${result.written.reportPath}`);
  io.guard?.written();
  return result.report.verdict === 'blocked' ? 1 : 0;
}

/** One session under the process guard: its deadline armed as the overrun backstop, report-dir checked first. */
async function guardedSession(opts: SessionOptions, loaded: LoadedConfig, io: CliIO): Promise<SessionResult> {
  const dir = reportDirOf(opts);
  const problem = reportDirProblem(dir);
  if (problem) throw new UsageError(`${problem}: give --report-dir a directory you can write`);
  const startedAt = new Date();
  const timeoutSeconds = opts.timeoutSeconds ?? 900;
  const deadline = startedAt.getTime() + timeoutSeconds * 1000;
  io.guard?.arm(deadline + OVERRUN_GRACE_MS, {
    reportDir: dir,
    report: blockedReport({
      startedAt,
      interrupted: { reason: 'deadline', detail: deadlineMessage(timeoutSeconds) },
      autoHeal: opts.autoHeal,
      dryRun: opts.dryRun,
      configPath: loaded.path,
      phases: opts.phases,
    }),
  });
  return runSession({ ...opts, deadline }, loaded);
}

/** Checks and heals every --interval seconds until stopped; cooldowns carry across cycles. */
async function monitor(v: Values, io: CliIO, redactor: Redactor): Promise<number> {
  const intervalMs = positiveNumber('interval', v.interval, 60, MAX_RUN_SECONDS) * 1000;
  const iterations = v.iterations ? positiveNumber('iterations', v.iterations, 1) : Number.POSITIVE_INFINITY;
  const opts = sessionOptions(v, io, redactor, true);
  const loaded = loadSessionConfig(opts);
  // The monitor process is one session: limits and cooldowns hold across its cycles.
  const session = newSessionState();
  let last = 0;
  for (let i = 1; i <= iterations && !io.stopSignal?.aborted; i++) {
    const started = Date.now();
    io.out(`── monitor cycle ${i} (${new Date().toISOString()}) ──`);
    const r = await guardedSession({ ...opts, session }, loaded, io);
    last = r.report.verdict === 'blocked' ? 1 : 0;
    io.out(`Report: ${r.written.reportPath}`);
    io.guard?.written();
    if (i >= iterations) break;
    const wait = Math.max(0, intervalMs - (Date.now() - started));
    await new Promise<void>((res) => {
      const done = (): void => {
        clearTimeout(t);
        io.stopSignal?.removeEventListener('abort', done);
        res();
      };
      const t = setTimeout(done, wait);
      io.stopSignal?.addEventListener('abort', done, { once: true });
    });
  }
  return io.stopSignal?.aborted ? 0 : last;
}

async function cliEntry(guard: ProcessGuard): Promise<number> {
  return main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    stopSignal: guard.signal,
    guard,
  });
}

// Run only as the program itself (dist/cli.js, bin/orixoon.js), not when imported by tests.
if (process.argv[1] && /(?:^|[\\/])(?:cli\.(?:js|ts)|orixoon(?:\.js)?)$/.test(process.argv[1])) {
  const guard = guardProcess();
  cliEntry(guard)
    .catch((e: unknown) => {
      process.stderr.write(
        `orixoon: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      guard.fail(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    })
    .then((code) => {
      const exit = guard.exitCode() ?? code;
      guard.dispose();
      exitWhenFlushed(exit);
    });
}
