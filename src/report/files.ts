// report-dir/<timestamp>/: report.json, healing_actions.log, summary.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { logTimestamp, type LogEvent } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { RunReport } from './model.js';

export interface WrittenReport {
  dir: string;
  reportPath: string;
  logPath: string;
  summaryPath: string;
}

export function healingLog(events: LogEvent[]): string {
  return (
    events.map((e) => `${logTimestamp(e.time)} | ${e.level} | ${e.message}`).join('\n') +
    (events.length ? '\n' : '')
  );
}

function stamp(iso: string): string {
  return iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function writeReportFiles(
  report: RunReport,
  events: LogEvent[],
  summary: string,
  reportDir: string,
  redactor: Redactor,
): WrittenReport {
  let dir = resolve(reportDir, stamp(report.startedAt));
  // Two runs in the same second (monitor mode, tests) get their own folders.
  for (let n = 2; taken(dir); n++) dir = resolve(reportDir, `${stamp(report.startedAt)}-${n}`);
  const reportPath = join(dir, 'report.json');
  const logPath = join(dir, 'healing_actions.log');
  const summaryPath = join(dir, 'summary.md');
  // Every string (and key) is redacted before serializing: masking the JSON text itself could cut a
  // number or a keyword that equals a short secret and leave invalid JSON.
  writeFileSync(reportPath, JSON.stringify(redactor.redactValue(report), null, 2) + '\n');
  writeFileSync(logPath, redactor.redact(healingLog(events)));
  writeFileSync(summaryPath, redactor.redact(summary));
  return { dir, reportPath, logPath, summaryPath };
}

/** Claims a fresh folder: false when it was created just now, true when it already existed. */
function taken(p: string): boolean {
  mkdirSync(dirname(p), { recursive: true });
  try {
    mkdirSync(p);
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return true;
    throw e;
  }
}
