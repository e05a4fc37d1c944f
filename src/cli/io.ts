// The command line's I/O, shared by the CLI and the demo it starts (the demo never imports the CLI).
import type { Paint } from './style.js';
import type { ProcessGuard } from '../process-guard.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Colour for what goes to `out` and to `err` (default none). */
  paint?: { out: Paint; err: Paint };
  /** Aborted when the user asks to stop (SIGINT/SIGTERM): the run is cancelled, monitor stops. */
  stopSignal?: AbortSignal;
  /** The process's signal handling and overrun backstop (the program itself; not in-process callers). */
  guard?: ProcessGuard;
}
