// Two streams: console lines in the familiar voice (`❌ Docker container 'redis' not running`) and
// healing-log events (`2025-01-10 14:30:15 | INFO | Starting healing action: restart_container`).
// Sinks are passed in; the logger keeps no global state.
import type { Redactor } from './redact.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'SUCCESS' | 'WARNING' | 'ERROR';

export interface LogEvent {
  time: Date;
  level: LogLevel;
  message: string;
}

export interface LogSinks {
  /** A console line (already redacted). */
  line?: (text: string) => void;
  /** A healing-log event (already redacted). */
  event?: (event: LogEvent) => void;
  /** Debug detail, shown only when asked for (core.debug / --verbose). */
  debug?: (text: string) => void;
  /**
   * A section of the console starts (one per phase): the action folds it (core.startGroup), the
   * command line prints a heading. Without it the heading is a console line.
   */
  group?: (title: string) => void;
  /** The section that `group` started ends. */
  endGroup?: () => void;
}

export class Logger {
  readonly events: LogEvent[] = [];
  private readonly redactor: Redactor;
  private readonly sinks: LogSinks;
  private grouped = false;
  constructor(redactor: Redactor, sinks: LogSinks = {}) {
    this.redactor = redactor;
    this.sinks = sinks;
  }

  /** A console line: emoji, subject, state. */
  say(text: string): void {
    this.sinks.line?.(this.redactor.redact(text));
  }

  /**
   * Starts a console section; one at a time (GitHub folds no nested groups), so an open one ends first.
   */
  group(title: string): void {
    this.endGroup();
    const text = this.redactor.redact(title);
    this.grouped = true;
    if (this.sinks.group) this.sinks.group(text);
    else {
      this.sinks.line?.('');
      this.sinks.line?.(`━━ ${text} ━━`);
    }
  }

  /** Ends the open console section, if any. */
  endGroup(): void {
    if (!this.grouped) return;
    this.grouped = false;
    this.sinks.endGroup?.();
  }

  /** A healing-log event. */
  record(level: LogLevel, message: string): void {
    const event = { time: new Date(), level, message: this.redactor.redact(message) };
    this.events.push(event);
    this.sinks.event?.(event);
  }

  info(message: string): void {
    this.record('INFO', message);
  }
  success(message: string): void {
    this.record('SUCCESS', message);
  }
  warn(message: string): void {
    this.record('WARNING', message);
  }
  error(message: string): void {
    this.record('ERROR', message);
  }
  debug(message: string): void {
    this.sinks.debug?.(this.redactor.redact(message));
  }
}

/** `2025-01-10 14:30:15` in UTC, the healing log's timestamp format. */
export function logTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}
