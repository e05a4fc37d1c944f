// Shared set-up of the workers/queue/HTTP/logs/command integration tests: a real RunContext, checks
// built from their option schemas, remedies from the registry, and small fixtures (suite label
// `workers`, container prefix `oxw-`).
import { mkdirSync, rmSync } from 'node:fs';
import { Targets } from '../../src/targets/index.js';
import { Redactor } from '../../src/engine/redact.js';
import { Logger } from '../../src/engine/logger.js';
import { configSchema, type OrixoonConfig } from '../../src/config/schema.js';
import type { CheckType } from '../../src/checks/check-type.js';
import type { Check, Finding, Remedy, RemedyContext, RunContext } from '../../src/engine/types.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

export const SUITE = 'workers';

export interface TestRun {
  ctx: RunContext;
  close(): Promise<void>;
}

export function runContext(
  opts: { baseDir?: string; postgresUrl?: string; redisUrl?: string } = {},
): TestRun {
  const redactor = new Redactor();
  const targets = new Targets(
    { docker: { timeoutMs: 10_000 }, postgresUrl: opts.postgresUrl, redisUrl: opts.redisUrl },
    redactor,
  );
  const ac = new AbortController();
  const ctx: RunContext = {
    targets,
    log: new Logger(redactor),
    signal: ac.signal,
    deadline: Date.now() + 300_000,
    env: process.env,
    baseDir: opts.baseDir ?? process.cwd(),
  };
  return {
    ctx,
    close: async () => {
      ac.abort();
      await targets.close();
    },
  };
}

/** A check of any type, built the way the engine builds it (options through the type's schema). */
export function checkOf<T extends CheckType>(
  type: T,
  id: string,
  options: Record<string, unknown>,
  config: Record<string, unknown> = {},
): Check {
  const parsed: OrixoonConfig = configSchema.parse(config);
  return (type as CheckType).create(
    { id, phase: 'p', dependsOn: [], options: type.options.parse(options) },
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
  opts: { timeoutMs?: number; protectedTables?: string[] } = {},
): RemedyContext {
  return {
    ...ctx,
    check,
    timeoutMs: opts.timeoutMs ?? 30_000,
    protected: {
      containers: [],
      database_users: [],
      tables: opts.protectedTables ?? [],
      redis_key_patterns: [],
    },
    actionConfig: {},
  };
}

/** The single finding of a run, asserting there is exactly one. */
export function only(findings: Finding[]): Finding {
  if (findings.length !== 1)
    throw new Error(`expected one finding, got ${JSON.stringify(findings.map((f) => f.message))}`);
  return findings[0];
}

/** A fresh host directory (bind-mounted into test containers or used as a config directory). */
export function tempDir(name: string): string {
  const dir = `/tmp/oxw-state/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Polls `fn` until it returns a truthy value (test set-up only). */
export async function until<T>(fn: () => Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
