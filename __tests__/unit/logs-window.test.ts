// Timestamps of log lines, the time window of a log file, and the caps on what is read of a log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LineTail,
  lineTime,
  linesSince,
  MAX_LOG_LINES,
  readLogFile,
  type LogFileChunk,
} from '../../src/targets/logfile.js';
import { logsCheck, matchingLines, DEFAULT_ERROR_PATTERN } from '../../src/checks/logs.js';
import { checkOf, testRunContext } from '../helpers/context.js';

describe('lineTime', () => {
  it('reads the leading timestamp formats loggers write', () => {
    expect(lineTime('2025-01-10T14:30:15Z INFO x')).toBe(Date.parse('2025-01-10T14:30:15Z'));
    expect(lineTime('2025-01-10T14:30:15.123456789+02:00 x')).toBe(Date.parse('2025-01-10T12:30:15.123Z'));
    expect(lineTime('2025-01-10 14:30:15+0200 x')).toBe(Date.parse('2025-01-10T12:30:15Z'));
    expect(lineTime('2025-01-10 14:30:15,123 ERROR x')).toBe(
      new Date(2025, 0, 10, 14, 30, 15, 123).getTime(),
    );
    expect(lineTime('[2025-01-10 14:30:15] x')).toBe(new Date(2025, 0, 10, 14, 30, 15).getTime());
    expect(lineTime('Traceback (most recent call last):')).toBeUndefined();
    expect(lineTime('2025-13-45 99:99:99 not a time')).toBeUndefined();
  });
});

describe('linesSince', () => {
  const chunk = (lines: string[], mtimeMs = Date.now()): LogFileChunk => ({
    lines,
    size: 0,
    mtimeMs,
    skipped: 0,
  });
  const since = Date.parse('2025-01-10T14:00:00Z');

  it('keeps lines at or after the time; untimed lines follow the line before them', () => {
    const w = linesSince(
      chunk([
        'continuation before any timestamp',
        '2025-01-10T13:59:59Z ERROR old',
        'Traceback old',
        '2025-01-10T14:00:00Z ERROR new',
        'Traceback new',
        '  File "x.py"',
      ]),
      since,
    );
    expect(w).toEqual({
      timed: true,
      lines: ['2025-01-10T14:00:00Z ERROR new', 'Traceback new', '  File "x.py"'],
    });
  });

  it('a file without timestamps: its newest lines when it changed in the window, else nothing', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    expect(linesSince(chunk(lines, since + 1), since, 5)).toEqual({ timed: false, lines: lines.slice(-5) });
    expect(linesSince(chunk(lines, since - 1), since, 5)).toEqual({ timed: false, lines: [] });
  });

  it('the default error pattern', () => {
    const re = new RegExp(DEFAULT_ERROR_PATTERN);
    expect(
      matchingLines(['ERROR a', 'CRITICAL b', 'FATAL c', 'Traceback (most', 'error lower', 'INFO ok'], re),
    ).toHaveLength(4);
  });
});

describe('log caps', () => {
  it('LineTail keeps the newest items within a count and a byte budget, and counts what it dropped', () => {
    const byCount = new LineTail<string>(3, 1000);
    for (const s of ['a', 'b', 'c', 'd', 'e']) byCount.push(s, 1);
    expect(byCount.lines()).toEqual(['c', 'd', 'e']);
    expect(byCount.dropped).toBe(2);
    const byBytes = new LineTail<string>(100, 10);
    for (const s of ['1234', '5678', '90', 'abcde']) byBytes.push(s, s.length);
    expect(byBytes.lines()).toEqual(['90', 'abcde']);
    expect(byBytes.dropped).toBe(2);
    // A single item larger than the budget is still kept: the newest line is never lost.
    const huge = new LineTail<string>(100, 2);
    huge.push('0123456789', 10);
    expect(huge.lines()).toEqual(['0123456789']);
    const many = new LineTail<number>(10, 1e9);
    for (let i = 0; i < 100_000; i++) many.push(i, 1);
    expect(many.lines()).toEqual(Array.from({ length: 10 }, (_, i) => 99_990 + i));
  });

  it('a log file with more lines in the window than the cap: the newest ones, and the finding says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oxw-logcap-'));
    try {
      const now = new Date().toISOString();
      const old = new Date(Date.now() - 3_600_000).toISOString();
      const extra = 20_000;
      const lines = Array.from(
        { length: MAX_LOG_LINES + extra },
        (_, i) => `${now} ${i % 1000 === 0 ? 'ERROR' : 'INFO'} ${i}`,
      );
      writeFileSync(`${dir}/app.log`, `${lines.join('\n')}\n`);
      const chunk = await readLogFile(`${dir}/app.log`);
      expect(chunk.lines).toHaveLength(MAX_LOG_LINES);
      expect(chunk.lines[0]).toBe(lines[extra]);
      expect(chunk.truncated).toBe(true);
      expect(linesSince(chunk, Date.now() - 300_000).capped).toBe(true);

      const run = testRunContext({ baseDir: dir });
      try {
        const check = checkOf(logsCheck, 'capped', { file: 'app.log', error_threshold: 10 });
        const [f] = (await check.run(run.ctx)).findings;
        expect(f!.message).toBe(
          'High error rate in file app.log: 100 errors in the newest 100,000 lines of the last 5 min ' +
            '(older lines not read: logs are capped at 100,000 lines / 16 MiB) (threshold 10)',
        );
        expect(f!.evidence).toMatchObject({ errors: 100, capped: true, lines_read: MAX_LOG_LINES });

        // The oldest line kept is older than the window: the cap cut nothing of the window.
        writeFileSync(
          `${dir}/app.log`,
          `${[...Array.from({ length: extra }, () => `${old} INFO old`), ...lines.slice(extra + 10_000)].join('\n')}\n`,
        );
        const quiet = await check.run(run.ctx);
        expect(quiet.summary).toBe('90 errors in the last 5 min (threshold 10)');
        expect(quiet.findings[0]!.evidence.capped).toBeUndefined();
      } finally {
        await run.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
