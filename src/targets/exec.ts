// Shell commands on the runner (command checks, heal commands, log-pattern fixes). The only place
// that starts user commands. @actions/exec has no timeout and does not expose the child process, so
// a hung command could never be stopped; this module spawns `bash -c` in its own process group and
// kills the whole group (the shell and everything it started) when the time limit passes. The groups
// still running are listed in the run's ProcessGroups, so a SIGINT/SIGTERM can end them all.
import { spawn } from 'node:child_process';

export interface ShellOptions {
  /** Hard limit: the process group is sent SIGTERM, then SIGKILL after `killGraceMs`. */
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The run's deadline signal: aborting kills the command like a timeout. */
  signal?: AbortSignal;
  /** The run's registry of live process groups (the command's group is listed while it runs). */
  processes?: ProcessGroups;
  /** Bytes of combined output kept (the tail). Default 2048. */
  keepBytes?: number;
  /** Time between SIGTERM and SIGKILL after a timeout. Default 2000 ms (500 ms when the run is stopped). */
  killGraceMs?: number;
}

/** SIGTERM → SIGKILL grace once the run itself is stopping (deadline, SIGINT/SIGTERM): be quick. */
const ABORT_KILL_GRACE_MS = 500;

/**
 * The process groups of the commands a run has started and not yet seen end. The entry points kill
 * them on SIGINT/SIGTERM; the process guard also keeps the list in a file for its watchdog process,
 * which kills them when the main thread is stuck (process-guard.ts).
 */
export class ProcessGroups {
  private readonly live = new Set<number>();
  /** Told of every change (the process guard keeps its watchdog's list of groups to kill). */
  onChange?: () => void;

  add(pgid: number): void {
    this.live.add(pgid);
    this.onChange?.();
  }

  delete(pgid: number): void {
    if (this.live.delete(pgid)) this.onChange?.();
  }

  /** The groups still listed. */
  list(): number[] {
    return [...this.live];
  }

  /** Sends `signal` to every listed group; returns the groups that still had a process. */
  killAll(signal: NodeJS.Signals): number[] {
    const hit: number[] = [];
    for (const pgid of this.live) {
      if (processGroupAlive(pgid)) hit.push(pgid);
      killGroup(pgid, signal);
    }
    return hit;
  }
}

export interface ShellResult {
  /** Exit code, or null when the command was ended by a signal. */
  exitCode: number | null;
  /** Signal that ended the shell (e.g. SIGTERM after a timeout). */
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Ended because the run's deadline passed. */
  aborted: boolean;
  /** Last `keepBytes` of stdout and stderr, interleaved as they came. */
  output: string;
  /** True when earlier output was dropped to keep only the tail. */
  truncated: boolean;
  durationMs: number;
  /** Process group id the command ran in (its pid). */
  pid: number | undefined;
}

/** Keeps the last `limit` bytes of a stream of chunks without holding the whole output. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0];
      const excess = this.size - this.limit;
      this.truncated = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  text(): string {
    // A cut in the middle of a multi-byte character shows as U+FFFD; drop it.
    return Buffer.concat(this.chunks)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is already gone */
  }
}

/** Whether any process of the group still exists. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `bash -c command`. Never throws for a failing command (see `exitCode`/`timedOut`); throws only
 * when bash itself cannot be started.
 */
export function runShell(command: string, options: ShellOptions): Promise<ShellResult> {
  const keep = new TailBuffer(options.keepBytes ?? 2048);
  const grace = options.killGraceMs ?? 2000;
  const started = Date.now();
  return new Promise<ShellResult>((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      detached: true, // own process group, so a timeout can end the whole tree
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    if (child.pid !== undefined) options.processes?.add(child.pid);

    const stop = (why: 'timeout' | 'abort') => {
      if (exit || child.pid === undefined) return;
      if (why === 'timeout') timedOut = true;
      else aborted = true;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(
        () => {
          if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
        },
        why === 'abort' ? Math.min(grace, ABORT_KILL_GRACE_MS) : grace,
      );
    };
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const finish = () => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // After a timeout, make sure nothing of the group survives the SIGTERM.
      if ((timedOut || aborted) && child.pid !== undefined && processGroupAlive(child.pid)) {
        killGroup(child.pid, 'SIGKILL');
      }
      // A command that exited on its own may leave background processes on purpose (a heal command
      // starting a service): from here on they are not the run's to stop.
      if (child.pid !== undefined) options.processes?.delete(child.pid);
      clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        aborted,
        output: keep.text(),
        truncated: keep.truncated,
        durationMs: Date.now() - started,
        pid: child.pid,
      });
    };

    child.stdout?.on('data', (c: Buffer) => keep.push(c));
    child.stderr?.on('data', (c: Buffer) => keep.push(c));
    child.on('error', (err) => {
      clearTimeout(timer);
      if (child.pid !== undefined) options.processes?.delete(child.pid);
      options.signal?.removeEventListener('abort', onAbort);
      if (!settled) {
        settled = true;
        reject(new Error(`Could not start bash for command: ${err.message}`));
      }
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A background process may keep stdout open after the shell exits: wait for the streams only
      // briefly, then report what was collected.
      drainTimer = setTimeout(finish, 500);
    });
    child.on('close', () => finish());
  });
}

/** `exit 1`, `timed out after 1s`, `killed by SIGKILL` — how a command ended, for messages. */
export function describeEnd(r: ShellResult, timeoutMs: number): string {
  if (r.timedOut) return `timed out after ${formatSeconds(timeoutMs)}`;
  if (r.aborted) return 'stopped: the run deadline passed';
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  return `killed by ${r.signal ?? 'a signal'}`;
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
