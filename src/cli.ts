// The command line: `orixoon check`, `orixoon heal --issue-file`, `orixoon monitor`, `orixoon demo`,
// `orixoon help [COMMAND]`. Exit 0 = passed or healed, 1 = blocked, 2 = usage or config error,
// 3 = unexpected internal error, 130/143 = stopped by SIGINT/SIGTERM (the run's commands are killed
// and its reports written, blocked). This file parses and prints help only; the commands (and the
// engine) are loaded when one runs.
import { EXIT_CRASH, helpText, parseCli, usageHint, UsageError } from './cli/args.js';
import type { CliIO } from './cli/io.js';
import { paintFor, plain } from './cli/style.js';
import { VERSION } from './version.js';

export { UsageError };

export type { CliIO };

export async function main(argv: string[], io: CliIO): Promise<number> {
  const errPaint = io.paint?.err ?? plain;
  const usage = (e: UsageError): number => {
    io.err(`${errPaint('red', 'orixoon:')} ${e.message}`);
    io.err(usageHint(e.command));
    return 2;
  };
  if (argv[0] === 'history') return (await import('./cli/history.js')).historyCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e);
    throw e;
  }
  switch (parsed.kind) {
    case 'version':
      io.out(VERSION);
      return 0;
    case 'help': {
      // `orixoon` alone is a usage error: the help goes to stderr and the exit code says so.
      const paint = parsed.toStderr ? errPaint : (io.paint?.out ?? plain);
      (parsed.toStderr ? io.err : io.out)(helpText(parsed.command, (f, t) => paint(f, t)));
      return parsed.toStderr ? 2 : 0;
    }
    case 'run':
      try {
        const { runCommand } = await import('./cli/commands.js');
        return await runCommand(parsed.command, parsed.values, io);
      } catch (e) {
        if (e instanceof UsageError) return usage(e.command ? e : new UsageError(e.message, parsed.command));
        throw e;
      }
  }
}

/**
 * A line writer for stdout or stderr that survives the reader going away (`orixoon check | head -1`):
 * after EPIPE, output is dropped and the run goes on to its end, so no action is cut off half-way,
 * the reports are written and the exit code is still the run's.
 */
function lineWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let gone = false;
  stream.on('error', () => {
    gone = true;
  });
  return (text) => {
    if (gone || stream.destroyed) return;
    try {
      stream.write(`${text}\n`);
    } catch {
      gone = true;
    }
  };
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Whether the arguments run a command (anything else prints and exits: version, help, a usage error). */
function runsCommand(argv: string[]): boolean {
  try {
    return parseCli(argv).kind === 'run';
  } catch {
    return false;
  }
}

async function runProgram(): Promise<void> {
  const argv = process.argv.slice(2);
  const out = lineWriter(process.stdout);
  const err = lineWriter(process.stderr);
  const io: CliIO = {
    out,
    err,
    env: process.env,
    cwd: process.cwd(),
    paint: { out: paintFor(process.stdout), err: paintFor(process.stderr) },
  };
  // `--version`, help and usage errors only print: no signal handling, watchdog or command runner is
  // loaded for them, so they cost little more than starting node.
  if (!runsCommand(argv)) {
    process.exitCode = await main(argv, io).catch((e: unknown) => {
      err(`orixoon: unexpected error: ${describe(e)}`);
      return EXIT_CRASH;
    });
    return;
  }
  const { exitWhenFlushed, guardProcess } = await import('./process-guard.js');
  const guard = guardProcess();
  let settled = false;
  let crashed = false;
  const crash = (e: unknown): void => {
    if (crashed) return;
    crashed = true;
    err(`orixoon: unexpected error: ${describe(e)}`);
    guard.fail(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    guard.dispose();
    exitWhenFlushed(guard.exitCode() ?? EXIT_CRASH);
  };
  // Whatever escapes (a throw in a callback, a rejection nobody awaited) is a crash, not "blocked".
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // A run whose promise never settled (the event loop ran dry): the guard writes the blocked report
  // and exits 1; that is a crash too.
  let drained = false;
  process.on('beforeExit', () => {
    if (!settled) drained = true;
  });
  process.on('exit', () => {
    if (drained && !crashed && guard.exitCode() === undefined) process.exitCode = EXIT_CRASH;
  });
  main(argv, { ...io, stopSignal: guard.signal, guard }).then(
    (code) => {
      settled = true;
      const exit = guard.exitCode() ?? code;
      guard.dispose();
      exitWhenFlushed(exit);
    },
    (e: unknown) => {
      settled = true;
      crash(e);
    },
  );
}

// Run only as the program itself (dist/cli.js, bin/orixoon.js), not when imported by tests.
if (process.argv[1] && /(?:^|[\\/])(?:cli\.(?:js|ts)|orixoon(?:\.js)?)$/.test(process.argv[1])) {
  void runProgram();
}
