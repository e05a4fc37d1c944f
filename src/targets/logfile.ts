// Log files on the runner: the tail of a file (bounded), split into lines, with the time of each line
// read from its leading timestamp where it has one. The only place that reads log files; its caps
// bound container logs too.
import { open, stat } from 'node:fs/promises';

/** Bytes read from the end of a log (a file, or a container's) at most. */
export const MAX_LOG_BYTES = 16 * 1024 * 1024;
/** Lines kept from the end of a log at most. */
export const MAX_LOG_LINES = 100_000;

export interface LogFileChunk {
  lines: string[];
  /** File size when read: the offset to read new lines from later. */
  size: number;
  mtimeMs: number;
  /** Bytes before the part that was read (0 = the whole file). */
  skipped: number;
  /** Lines left out before the first kept one (beyond the byte cap or the line cap). */
  truncated?: boolean;
}

/**
 * The newest items of a stream, within a count and a byte budget: older ones are dropped as newer
 * ones arrive, so memory stays bounded however long the stream is.
 */
export class LineTail<T> {
  private items: Array<{ item: T; bytes: number }> = [];
  private head = 0;
  private bytes = 0;
  /** How many were dropped to stay within the caps. */
  dropped = 0;

  constructor(
    private readonly maxItems: number,
    private readonly maxBytes: number,
  ) {}

  push(item: T, bytes: number): void {
    this.items.push({ item, bytes });
    this.bytes += bytes;
    while (
      this.items.length - this.head > this.maxItems ||
      (this.bytes > this.maxBytes && this.items.length - this.head > 1)
    ) {
      this.bytes -= this.items[this.head]!.bytes;
      this.head++;
      this.dropped++;
    }
    // Compact now and then, so dropped items are released.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Oldest first. */
  lines(): T[] {
    return this.items.slice(this.head).map((e) => e.item);
  }
}

/** Reads `[from, end)` of a file, at most MAX_LOG_BYTES (the newest part wins). */
export async function readLogFile(file: string, from = 0): Promise<LogFileChunk> {
  const st = await stat(file);
  // A file that shrank was rotated or truncated: everything in it is new.
  const start0 = from > st.size ? 0 : from;
  const start = Math.max(start0, st.size - MAX_LOG_BYTES);
  const length = st.size - start;
  const buf = Buffer.alloc(length);
  const fh = await open(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  let text = buf.toString('utf8');
  // Started mid-line: drop the partial first line.
  if (start > start0) text = text.slice(text.indexOf('\n') + 1);
  let lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const truncated = start > start0 || lines.length > MAX_LOG_LINES;
  if (lines.length > MAX_LOG_LINES) lines = lines.slice(-MAX_LOG_LINES);
  return { lines, size: st.size, mtimeMs: st.mtimeMs, skipped: start, truncated };
}

const LEADING_TIME = /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?/;

/**
 * Epoch ms of a line's leading timestamp (`2025-01-10 14:30:15,123`, ISO 8601 with or without a
 * zone — without one it is local time, as loggers write it), or undefined.
 */
export function lineTime(line: string): number | undefined {
  const m = LEADING_TIME.exec(line);
  if (!m) return undefined;
  const frac = m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : '';
  let zone = m[4] ?? '';
  if (zone && zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${frac}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface WindowedLines {
  lines: string[];
  /** false when the file has no timestamps: the lines are the newest ones, not a time window. */
  timed: boolean;
  /** The caps cut the window: lines of it older than the first one kept were not read. */
  capped?: boolean;
}

/**
 * The lines written at or after `sinceMs`. A line without a timestamp (a traceback's body) belongs
 * to the line before it. When no line has a timestamp, the last `fallbackLines` lines are taken if
 * the file changed since `sinceMs`, else none.
 */
export function linesSince(chunk: LogFileChunk, sinceMs: number, fallbackLines = 10_000): WindowedLines {
  let current: number | undefined;
  let first: number | undefined;
  let timed = false;
  const out: string[] = [];
  for (const line of chunk.lines) {
    const t = lineTime(line);
    if (t !== undefined) {
      current = t;
      first ??= t;
      timed = true;
    }
    if (current !== undefined && current >= sinceMs) out.push(line);
  }
  if (timed) {
    // Cut only if the oldest line read is already inside the window: older window lines were not read.
    const capped = !!chunk.truncated && first !== undefined && first >= sinceMs;
    return capped ? { lines: out, timed, capped } : { lines: out, timed };
  }
  return { lines: chunk.mtimeMs >= sinceMs ? chunk.lines.slice(-fallbackLines) : [], timed: false };
}
