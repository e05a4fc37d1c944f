// The command line's commands, once the command line is known to be valid: `check`, `heal`,
// `monitor`, `demo`. Loaded only to run one of them (help and usage errors never load the engine).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkType } from '../checks/registry.js';
import { MAX_RUN_SECONDS } from '../config/limits.js';
import { ConfigError, formatProblem, type LoadedConfig } from '../config/load.js';
import { redisUrlProblem } from '../config/redis-url.js';
import { buildConfiguredPlan } from '../engine/plan.js';
import { Redactor } from '../support/redact.js';
import { blockedReport, deadlineMessage } from '../engine/interruption.js';
import { newSessionState } from '../healing/policy.js';
import { budgetSettingsOf } from '../healing/budget.js';
import type { Check, IssueCode } from '../core/types.js';
import { isIssueCode, issueCodes } from '../checks/catalog.js';
import { OVERRUN_GRACE_MS } from '../process-guard.js';
import type { RunReport } from '../report/model.js';
import {
  loadSessionConfig,
  openSessionState,
  reportDirOf,
  reportDirProblem,
  runSession,
  type SessionOptions,
  type SessionResult,
} from '../session.js';
import { EXIT_CRASH, UsageError, type CliValues, type RunCommandName } from './args.js';
import { paintLine, plain } from './style.js';
import type { CliIO } from './io.js';

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

/** The command line approves with a flag, not with a PR comment. */
const cliApproveHint = (id: string): string => `--approve ${id}  (run the same command again with it)`;

function stateUrlOption(url: string | undefined): string | undefined {
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url))
    throw new UsageError('--state-url must be a postgres:// or postgresql:// URL');
  return url;
}

function sessionOptions(v: CliValues, io: CliIO, redactor: Redactor, autoHeal: boolean): SessionOptions {
  const toErr = v.json === true;
  const line = v.quiet ? undefined : toErr ? io.err : io.out;
  const paint = (toErr ? io.paint?.err : io.paint?.out) ?? plain;
  // A blank line before each section but the first (the first line of the output says something).
  let said = false;
  const say = line && ((t: string): void => ((said = true), line(t)));
  return {
    configPath: v.config,
    cwd: io.cwd,
    env: io.env,
    autoHeal,
    dryRun: v['dry-run'] ?? false,
    phases: v.phase,
    approve: v.approve,
    approveHint: cliApproveHint,
    timeoutSeconds: positiveNumber('timeout', v.timeout, 900, MAX_RUN_SECONDS),
    signal: io.stopSignal,
    processes: io.guard?.processes,
    docker: v['docker-host'] ? { host: v['docker-host'] } : undefined,
    postgresUrl: v['postgres-url'],
    redisUrl: redisUrlOption(v['redis-url']),
    reportDir: v['report-dir'] ?? 'orixoon-reports',
    redactor,
    state: { path: v.state, url: stateUrlOption(v['state-url']) },
    sinks: {
      line: say && ((t) => say(paintLine(paint, t))),
      group: say && ((t) => (said && say(''), say(paint('bold', `━━ ${t} ━━`)))),
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
    if (typeof code !== 'string' || !isIssueCode(code)) {
      throw new ConfigError([
        {
          file: path,
          key: `${key}.code`,
          message: `unknown issue code "${String(code)}"; known: ${issueCodes().join(', ')}`,
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

/**
 * Runs one command; its exit code. A usage error found while running (a bad number, a report-dir
 * that cannot be written) is thrown as UsageError for the entry point to print.
 */
export async function runCommand(command: RunCommandName, v: CliValues, io: CliIO): Promise<number> {
  const redactor = new Redactor();
  for (const s of [v['postgres-url'], v['redis-url']]) redactor.add(s);
  try {
    switch (command) {
      case 'check':
        // A dry run shows the healing plan, so it implies --auto-heal (nothing is changed either way).
        return await once(v, io, redactor, v['auto-heal'] ?? v['dry-run'] ?? false);
      case 'heal': {
        if (!v['issue-file']) throw new UsageError('heal needs --issue-file FILE', 'heal');
        const opts = sessionOptions(v, io, redactor, true);
        const loaded = loadSessionConfig(opts);
        const injected = readIssueFile(resolve(io.cwd, v['issue-file']), loaded);
        return await once(v, io, redactor, true, { ...opts, injectedFindings: injected }, loaded);
      }
      case 'monitor':
        return await monitor(v, io, redactor);
      case 'demo': {
        const { runDemo } = await import('../demo/run.js');
        return await runDemo({
          io,
          keep: v.keep ?? false,
          timeoutSeconds: positiveNumber('timeout', v.timeout, 600, MAX_RUN_SECONDS),
        });
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      const paint = io.paint?.err ?? plain;
      for (const p of e.problems) io.err(redactor.redact(`${paint('red', 'error:')} ${formatProblem(p)}`));
      io.err('Nothing was checked or changed.');
      return 2;
    }
    throw e;
  }
}

/** A run's exit code: blocked is 1, a run ended by an unexpected error (a bug) is EXIT_CRASH. */
function exitCodeOf(report: RunReport): number {
  if (report.interrupted?.reason === 'error') return EXIT_CRASH;
  return report.verdict === 'blocked' ? 1 : 0;
}

async function once(
  v: CliValues,
  io: CliIO,
  redactor: Redactor,
  autoHeal: boolean,
  opts = sessionOptions(v, io, redactor, autoHeal),
  loaded?: LoadedConfig,
): Promise<number> {
  const result = await guardedSession(opts, loaded ?? loadSessionConfig(opts), io);
  if (v.json) io.out(JSON.stringify(result.report, null, 2));
  else if (v.quiet) io.out(result.report.headline);
  const paint = (v.json ? io.paint?.err : io.paint?.out) ?? plain;
  (v.json ? io.err : io.out)(paintLine(paint, `Report: ${result.written.reportPath}`));
  io.guard?.written();
  return exitCodeOf(result.report);
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
async function monitor(v: CliValues, io: CliIO, redactor: Redactor): Promise<number> {
  const intervalMs = positiveNumber('interval', v.interval, 60, MAX_RUN_SECONDS) * 1000;
  const iterations = v.iterations ? positiveNumber('iterations', v.iterations, 1) : Number.POSITIVE_INFINITY;
  const opts = sessionOptions(v, io, redactor, true);
  const loaded = loadSessionConfig(opts);
  const paint = io.paint?.out ?? plain;
  // The monitor process is one session: limits and cooldowns hold across its cycles.
  const session = newSessionState();
  // One state store for every cycle, opened once; closed when the monitor stops.
  const openedState = await openSessionState(opts, loaded);
  const metrics = await (
    await import('./metrics.js')
  ).startMonitorMetrics(
    v['metrics-port'],
    io,
    openedState.store
      ? { store: openedState.store, settings: budgetSettingsOf(loaded.config.safety_limits) }
      : undefined,
  );
  let last = 0;
  for (let i = 1; i <= iterations && !io.stopSignal?.aborted; i++) {
    const started = Date.now();
    io.out(paint('bold', `── monitor cycle ${i} (${new Date().toISOString()}) ──`));
    const r = await guardedSession({ ...opts, session, openedState }, loaded, io);
    last = exitCodeOf(r.report);
    await metrics?.observe(r.report);
    io.out(paintLine(paint, `Report: ${r.written.reportPath}`));
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
  await metrics?.close();
  await openedState.store?.close();
  return io.stopSignal?.aborted ? 0 : last;
}
