// The pieces the engine hands to checks and remedies, built for tests that drive one check or one
// remedy directly: a RunContext over real targets, checks built from their option schemas, remedies
// from the registry, and the RemedyContext the engine would give a finding.
import { mkdirSync, rmSync } from 'node:fs';
import type { CheckType } from '../../src/checks/check-type.js';
import { configSchema, type OrixoonConfig } from '../../src/config/schema.js';
import { Logger } from '../../src/support/logger.js';
import { Redactor } from '../../src/support/redact.js';
import type { Check, Finding, ProtectedConfig, Remedy } from '../../src/core/types.js';
import type { RemedyContext, RunContext } from '../../src/checks/check-type.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import { Targets } from '../../src/targets/index.js';

export interface TestRunOptions {
  postgresUrl?: string;
  redisUrl?: string;
  dockerHost?: string;
  /** Docker API call timeout; 10 s unless given. */
  dockerTimeoutMs?: number;
  /** The whole-run deadline, from now; 300 s unless given. */
  deadlineMs?: number;
  baseDir?: string;
}

export interface TestRun {
  ctx: RunContext;
  targets: Targets;
  /** Aborts the run's signal and closes every connection its targets opened. */
  close(): Promise<void>;
}

export function testRunContext(opts: TestRunOptions = {}): TestRun {
  const redactor = new Redactor();
  const targets = new Targets(
    {
      docker: { timeoutMs: opts.dockerTimeoutMs ?? 10_000, host: opts.dockerHost },
      postgresUrl: opts.postgresUrl,
      redisUrl: opts.redisUrl,
    },
    redactor,
  );
  const ac = new AbortController();
  const ctx: RunContext = {
    targets,
    log: new Logger(redactor),
    signal: ac.signal,
    deadline: Date.now() + (opts.deadlineMs ?? 300_000),
    env: process.env,
    baseDir: opts.baseDir ?? process.cwd(),
  };
  return {
    ctx,
    targets,
    close: async () => {
      ac.abort();
      await targets.close();
    },
  };
}

/** The runs a test file opened, closed together (from its afterEach or afterAll). */
export class OpenRuns {
  private readonly runs: TestRun[] = [];

  open(opts: TestRunOptions = {}): TestRun {
    return this.track(testRunContext(opts));
  }

  track<T extends TestRun>(run: T): T {
    this.runs.push(run);
    return run;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.runs.splice(0).map((r) => r.close()));
  }
}

/** A check of any type, built the way the engine builds it (options through the type's schema). */
export function checkOf<T extends CheckType>(
  type: T,
  id: string,
  options: Record<string, unknown>,
  config: Record<string, unknown> = {},
  phase = 'p',
): Check {
  const parsed: OrixoonConfig = configSchema.parse(config);
  return (type as CheckType).create(
    { id, phase, dependsOn: [], options: type.options.parse(options) },
    parsed,
  );
}

export function remedy(action: string): Remedy {
  const r = REMEDIES.get(action);
  if (!r) throw new Error(`no remedy ${action}`);
  return r;
}

export function remedyContext(
  ctx: RunContext,
  check: Check,
  opts: {
    protected?: Partial<ProtectedConfig>;
    timeoutMs?: number;
    actionConfig?: Record<string, unknown>;
  } = {},
): RemedyContext {
  return {
    ...ctx,
    check,
    timeoutMs: opts.timeoutMs ?? 30_000,
    protected: {
      containers: [],
      database_users: [],
      tables: [],
      redis_key_patterns: [],
      ...opts.protected,
    },
    actionConfig: opts.actionConfig ?? {},
  };
}

export interface CheckHarness extends TestRun {
  config: OrixoonConfig;
  check: Check;
  /** The context the engine gives a remedy for `finding`: protected lists and `healing_actions.<code>`. */
  remedyCtx(finding: Finding): RemedyContext;
}

/** How the data-store tests run their checks: in phase `data`, within a two-minute run. */
export const DATASTORE_RUN = { phase: 'data', deadlineMs: 120_000 } as const;

/** One check on its own run, with the config (protected lists, healing_actions) its remedies see. */
export function checkHarness<T extends CheckType>(
  type: T,
  id: string,
  options: Record<string, unknown>,
  opts: TestRunOptions & { phase?: string; config?: Record<string, unknown>; remedyTimeoutMs?: number } = {},
): CheckHarness {
  const config = configSchema.parse(opts.config ?? {});
  const run = testRunContext(opts);
  const check = checkOf(type, id, options, opts.config, opts.phase);
  const remedyCtx = (finding: Finding): RemedyContext =>
    remedyContext(run.ctx, check, {
      timeoutMs: opts.remedyTimeoutMs,
      protected: config.protected,
      actionConfig: config.healing_actions[finding.code] ?? {},
    });
  return { ...run, config, check, remedyCtx };
}

/** The single finding of a run, asserting there is exactly one. */
export function onlyFinding(findings: Finding[]): Finding {
  if (findings.length !== 1) {
    const seen = findings.map((f) => `${f.code}: ${f.message}`);
    throw new Error(`expected one finding, got ${JSON.stringify(seen)}`);
  }
  return findings[0];
}

/** An empty directory at `path` (whatever was there before is removed). */
export function freshDir(path: string): string {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  return path;
}

/** A logger whose console lines, healing-log events and debug lines are collected in `lines`. */
export function capturingLogger(redactor = new Redactor()): {
  redactor: Redactor;
  log: Logger;
  lines: string[];
} {
  const lines: string[] = [];
  const log = new Logger(redactor, {
    line: (t) => lines.push(t),
    event: (e) => lines.push(`${e.level}: ${e.message}`),
    debug: (t) => lines.push(`debug: ${t}`),
  });
  return { redactor, log, lines };
}
