// One run shared by the action and the CLI: load the config (nothing is touched before it is valid),
// run the engine, write report-dir/<timestamp>/ (report.json, healing_actions.log, summary.md).
// Whatever fails after the config is valid, a report is written: blocked when the run could not
// finish, in a temporary directory when report-dir itself cannot be written.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfigFile, resolveConfig, type LoadedConfig } from './config/load.js';
import type { LogEvent, LogSinks } from './support/logger.js';
import type { Redactor } from './support/redact.js';
import { blockedReport, type Interruption } from './engine/interruption.js';
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

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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

/** Where the reports go: report-dir, resolved like the CLI and the action resolve it. */
export function reportDirOf(opts: Pick<SessionOptions, 'reportDir' | 'cwd'>): string {
  return resolve(opts.cwd ?? process.cwd(), opts.reportDir);
}

/** Why report-dir cannot take the reports (a file in the way, no permission), or undefined when it can. */
export function reportDirProblem(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (e) {
    return `report-dir ${dir} cannot be written (${errorMessage(e)})`;
  }
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
  return finishSession(opts, loaded, report, events);
}

/**
 * The report of a run that failed outside the engine (a report that could not be rendered, an
 * unexpected error in the entry point): blocked, published and written like any other.
 */
export async function failedSession(
  opts: SessionOptions,
  loaded: LoadedConfig | null,
  interrupted: Interruption,
  startedAt: Date,
): Promise<Omit<SessionResult, 'loaded'> & { loaded: LoadedConfig | null }> {
  const report = opts.redactor.redactValue(
    blockedReport({
      startedAt,
      interrupted,
      autoHeal: opts.autoHeal,
      dryRun: opts.dryRun,
      configPath: loaded?.path ?? opts.configPath ?? null,
      phases: opts.phases,
      run: opts.run,
      failOn: opts.failOn,
    }),
  );
  return finishSession(opts, loaded, report, []);
}

async function finishSession<L extends LoadedConfig | null>(
  opts: SessionOptions,
  loaded: L,
  report: RunReport,
  events: LogEvent[],
): Promise<{ loaded: L; report: RunReport; written: WrittenReport; summary: string; events: LogEvent[] }> {
  const notes: string[] = [];
  try {
    notes.push(...((await opts.summaryNotes?.(report)) ?? []));
  } catch (e) {
    notes.push(`GitHub reporting failed: ${errorMessage(e)}`);
  }
  let summary: string;
  try {
    summary = renderSummary(report, notes);
  } catch (e) {
    summary = [
      `## 🚫 Orixoon: ${report.verdict.toUpperCase()}`,
      '',
      `**${report.headline}**`,
      '',
      `> The full summary could not be rendered: ${errorMessage(e)}`,
      ...notes.map((n) => `> ${n}`),
      '',
    ].join('\n');
  }
  summary = opts.redactor.redact(summary);
  const dir = reportDirOf(opts);
  let written: WrittenReport;
  try {
    written = writeReportFiles(report, events, summary, dir, opts.redactor);
  } catch (e) {
    // A report-dir that cannot be written (a file in the way, no permission) must not lose the report.
    const fallback = join(opts.env?.RUNNER_TEMP || tmpdir(), 'orixoon-reports');
    const note = `report-dir ${dir} could not be written (${errorMessage(e)}): reports written to ${fallback} instead`;
    report = { ...report, errors: [...report.errors, note] };
    summary = `${summary}\n> ❗ ${opts.redactor.redact(note)}\n`;
    opts.sinks?.line?.(opts.redactor.redact(`⚠️ ${note}`));
    written = writeReportFiles(report, events, summary, fallback, opts.redactor);
  }
  return { loaded, report, written, summary, events };
}
