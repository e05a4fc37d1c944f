// The command line (PRODUCT §7): `orixoon check`, `orixoon heal --issue-file`, `orixoon monitor`,
// `orixoon demo`. Exit 0 = passed or healed, 1 = blocked, 2 = usage or config error.
// `--version` and `--help` load nothing else: the engine's modules are imported where they are used.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadedConfig } from './config/load.js';
import type { Redactor } from './engine/redact.js';
import type { Check, IssueCode } from './engine/types.js';
import type { SessionOptions } from './session.js';
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

Exit codes: 0 passed or healed, 1 blocked, 2 usage or config error.`;

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

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM) — for monitor. */
  stopSignal?: AbortSignal;
}

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
    timeoutSeconds: positiveNumber('timeout', v.timeout, 900),
    docker: v['docker-host'] ? { host: v['docker-host'] } : undefined,
    postgresUrl: v['postgres-url'],
    redisUrl: v['redis-url'],
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
export async function readIssueFile(
  path: string,
  loaded: LoadedConfig,
): Promise<Array<{ code: IssueCode; check: Check }>> {
  const { ConfigError } = await import('./config/load.js');
  const { buildConfiguredPlan } = await import('./engine/plan.js');
  const { checkType } = await import('./checks/registry.js');
  const { ISSUE_CODES } = await import('./engine/types.js');
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
  const { ConfigError, formatProblem } = await import('./config/load.js');
  const { Redactor } = await import('./engine/redact.js');
  const { loadSessionConfig } = await import('./session.js');
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
        const injected = await readIssueFile(resolve(io.cwd, v['issue-file']), loaded);
        return await once(v, io, redactor, true, { ...opts, injectedFindings: injected }, loaded);
      }
      case 'monitor':
        return await monitor(v, io, redactor);
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo({
          io,
          keep: v.keep ?? false,
          timeoutSeconds: positiveNumber('timeout', v.timeout, 600),
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
  const { loadSessionConfig, runSession } = await import('./session.js');
  const result = await runSession(opts, loaded ?? loadSessionConfig(opts));
  if (v.json) io.out(JSON.stringify(result.report, null, 2));
  else if (v.quiet) io.out(result.report.headline);
  (v.json ? io.err : io.out)(`Report: ${result.written.reportPath}`);
  return result.report.verdict === 'blocked' ? 1 : 0;
}

/** Checks and heals every --interval seconds until stopped; cooldowns carry across cycles. */
async function monitor(v: Values, io: CliIO, redactor: Redactor): Promise<number> {
  const intervalMs = positiveNumber('interval', v.interval, 60) * 1000;
  const iterations = v.iterations ? positiveNumber('iterations', v.iterations, 1) : Number.POSITIVE_INFINITY;
  const { loadSessionConfig, runSession } = await import('./session.js');
  const { newSessionState } = await import('./healing/policy.js');
  const opts = sessionOptions(v, io, redactor, true);
  const loaded = loadSessionConfig(opts);
  // The monitor process is one session: limits and cooldowns hold across its cycles.
  const session = newSessionState();
  let last = 0;
  for (let i = 1; i <= iterations && !io.stopSignal?.aborted; i++) {
    const started = Date.now();
    io.out(`── monitor cycle ${i} (${new Date().toISOString()}) ──`);
    const r = await runSession({ ...opts, session }, loaded);
    last = r.report.verdict === 'blocked' ? 1 : 0;
    io.out(`Report: ${r.written.reportPath}`);
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

async function cliEntry(): Promise<void> {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    cwd: process.cwd(),
    stopSignal: stop.signal,
  });
  process.exitCode = code;
}

// Run only as the program itself (dist/cli.js, bin/orixoon.js), not when imported by tests.
if (process.argv[1] && /(?:^|[\\/])(?:cli\.(?:js|ts)|orixoon(?:\.js)?)$/.test(process.argv[1])) {
  cliEntry().catch((e: unknown) => {
    process.stderr.write(
      `orixoon: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 1;
  });
}
