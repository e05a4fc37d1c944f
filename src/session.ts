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
import { buildVerdict } from './report/build.js';
import { budgetSettingsOf } from './healing/budget.js';
import type { StateConfig } from './state/config.js';
import { historyBlock } from './state/history-block.js';
import { openStateStore, recordReport, type StateOpened } from './state/index.js';
import { errorMessage } from './support/errors.js';

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
  /** `--state` / `--state-url` / the `state-path` input: win over `state` of the config. */
  state?: { path?: string; url?: string };
  /** A store opened by the caller for many sessions (the monitor's cycles); left open. */
  openedState?: StateOpened;
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
  const startedAt = new Date();
  const opened = opts.openedState ?? (await openSessionState(opts, loaded));
  try {
    for (const w of opened.warnings) opts.sinks?.line?.(opts.redactor.redact(`⚠️ ${w}`));
    let report = opened.blocking
      ? storeBlockedReport(
          opts,
          loaded,
          startedAt,
          opened.warnings.at(-1) ?? 'the state store cannot be used',
        )
      : await runEngine({
          ...opts,
          loaded,
          sinks,
          redactor: opts.redactor,
          stateStore: opened.store ?? undefined,
        });
    report = await withHistory(opts, loaded, report, opened);
    return await finishSession(opts, loaded, report, events);
  } finally {
    if (!opts.openedState) await opened.store?.close();
  }
}

/** The store of `state` in the config, overridden by `--state` / `--state-url` / the `state-path` input. */
export function sessionStateConfig(
  config: Partial<StateConfig> | undefined,
  override: SessionOptions['state'],
): Partial<StateConfig> {
  const cfg = { ...config };
  // An explicit file on the command line or in the input is the store asked for, over a config URL.
  if (override?.path) {
    cfg.path = override.path;
    delete cfg.url;
  }
  if (override?.url) cfg.url = override.url;
  return cfg;
}

/** Opens the run's state store (never throws: an unusable store is a warning, or blocks when required). */
export function openSessionState(
  opts: Pick<SessionOptions, 'state' | 'cwd' | 'redactor'>,
  loaded: LoadedConfig,
): Promise<StateOpened> {
  return openStateStore({
    config: sessionStateConfig(loaded.config.state, opts.state),
    cwd: opts.cwd ?? process.cwd(),
    redactor: opts.redactor,
  });
}

/** A run held by a required store that cannot be used: nothing checked or changed, blocked. */
function storeBlockedReport(
  opts: SessionOptions,
  loaded: LoadedConfig,
  startedAt: Date,
  detail: string,
): RunReport {
  const base = blockedReport({
    startedAt,
    interrupted: { reason: 'error', detail },
    autoHeal: opts.autoHeal,
    dryRun: opts.dryRun,
    configPath: loaded.path,
    phases: opts.phases,
    run: opts.run,
    failOn: opts.failOn,
  });
  const { interrupted: _cut, ...rest } = base;
  const verdict = buildVerdict({ findings: [], failOn: opts.failOn, runFailed: true, errors: [detail] });
  return { ...rest, ...verdict, errors: [detail, 'Nothing was checked or changed.'] };
}

/**
 * The run into the state store, then each target's history (this run included) into the report.
 * A store that fails is a note, never a changed verdict. Dry-run outcomes are recorded but never
 * count as heals (no attempt ran).
 */
async function withHistory(
  opts: SessionOptions,
  loaded: LoadedConfig,
  report: RunReport,
  opened: StateOpened,
): Promise<RunReport> {
  const notes = [...report.notes, ...opened.warnings.map((w) => opts.redactor.redact(w))];
  const store = opened.store;
  if (!store || opened.blocking) return { ...report, notes };
  const recorded = await recordReport(store, report);
  notes.push(...recorded.warnings.map((w) => opts.redactor.redact(w)));
  if (!recorded.recorded) return { ...report, notes };
  try {
    const history = await historyBlock(store, report, budgetSettingsOf(loaded.config.safety_limits));
    return { ...report, notes, history: opts.redactor.redactValue(history) };
  } catch (e) {
    notes.push(
      opts.redactor.redact(
        `The heal history could not be read back from the state store: ${errorMessage(e)}`,
      ),
    );
    return { ...report, notes };
  }
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
