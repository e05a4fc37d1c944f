// One run shared by the action and the CLI: load the config (nothing is touched before it is valid),
// run the engine, write report-dir/<timestamp>/ (report.json, healing_actions.log, summary.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, resolveConfig, type LoadedConfig } from './config/load.js';
import type { LogEvent, LogSinks } from './engine/logger.js';
import type { Redactor } from './engine/redact.js';
import { runEngine, type EngineOptions } from './engine/run.js';
import { writeReportFiles, type WrittenReport } from './report/files.js';
import type { RunReport } from './report/model.js';
import { renderSummary } from './report/summary.js';

export interface SessionOptions extends Omit<EngineOptions, 'loaded' | 'sinks' | 'redactor'> {
  /** Config path; with `configIsDefault` a missing file means discovered defaults instead of an error. */
  configPath?: string;
  configIsDefault?: boolean;
  cwd?: string;
  reportDir: string;
  redactor: Redactor;
  sinks?: LogSinks;
  /** Extra lines for the summary (e.g. why the PR comment was skipped), known only after publishing. */
  summaryNotes?: (report: RunReport) => Promise<string[]>;
}

export interface SessionResult {
  loaded: LoadedConfig;
  report: RunReport;
  written: WrittenReport;
  summary: string;
  events: LogEvent[];
}

/** Loads the config; throws ConfigError with file/line/column problems. */
export function loadSessionConfig(
  opts: Pick<SessionOptions, 'configPath' | 'configIsDefault' | 'cwd' | 'env'>,
): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.configPath && !(opts.configIsDefault && !existsSync(resolve(cwd, opts.configPath)))) {
    return loadConfigFile(resolve(cwd, opts.configPath), env);
  }
  return resolveConfig(undefined, env, cwd);
}

export async function runSession(
  opts: SessionOptions,
  loaded = loadSessionConfig(opts),
): Promise<SessionResult> {
  const events: LogEvent[] = [];
  const sinks: LogSinks = {
    ...opts.sinks,
    event: (e) => {
      events.push(e);
      opts.sinks?.event?.(e);
    },
  };
  const report = await runEngine({ ...opts, loaded, sinks, redactor: opts.redactor });
  const notes = (await opts.summaryNotes?.(report)) ?? [];
  const summary = renderSummary(report, notes);
  const written = writeReportFiles(
    report,
    events,
    summary,
    resolve(opts.cwd ?? process.cwd(), opts.reportDir),
    opts.redactor,
  );
  return { loaded, report, written, summary, events };
}
