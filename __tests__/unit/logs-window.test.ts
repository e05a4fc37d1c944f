// Timestamps of log lines and the time window of a log file.
import { describe, expect, it } from 'vitest';
import { lineTime, linesSince, type LogFileChunk } from '../../src/targets/logfile.js';
import { matchingLines, DEFAULT_ERROR_PATTERN } from '../../src/checks/logs.js';

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
