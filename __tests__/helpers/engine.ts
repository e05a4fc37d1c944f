// Runs a whole Orixoon session (config file → engine → report files) in-process, the way the CLI
// does, and collects what a user would see.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load.js';
import { Redactor } from '../../src/support/redact.js';
import type { RunReport } from '../../src/report/model.js';
import { runSession, type SessionOptions } from '../../src/session.js';

export interface SessionRun {
  report: RunReport;
  lines: string[];
  console: string;
  log: string;
  reportJson: string;
  summary: string;
  dir: string;
}

export function tempDir(prefix = 'orixoon-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `yaml` as the config file in a fresh folder and runs a session against it. */
export async function runWithConfig(yaml: string, opts: Partial<SessionOptions> = {}): Promise<SessionRun> {
  const dir = tempDir();
  const configPath = join(dir, 'orixoon.yml');
  writeFileSync(configPath, yaml);
  const lines: string[] = [];
  const result = await runSession({
    configPath,
    cwd: dir,
    reportDir: join(dir, 'reports'),
    redactor: new Redactor(),
    timeoutSeconds: 120,
    ...opts,
    sinks: { line: (t) => lines.push(t) },
  });
  return {
    report: result.report,
    lines,
    console: lines.join('\n'),
    log: readFileSync(result.written.logPath, 'utf8'),
    reportJson: readFileSync(result.written.reportPath, 'utf8'),
    summary: readFileSync(result.written.summaryPath, 'utf8'),
    dir,
  };
}

export async function configErrorOf(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** The outcome of the finding for `checkId` (and optionally `code`). */
export function outcomeOf(report: RunReport, checkId: string, code?: string): string | undefined {
  return report.findings.find((f) => f.checkId === checkId && (!code || f.code === code))?.outcome;
}
