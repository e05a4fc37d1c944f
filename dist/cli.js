import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  paintFor,
  plain
} from "./chunks/chunk-CYZCA7FZ.js";
import {
  EXIT_CRASH,
  UsageError,
  helpText,
  parseCli,
  usageHint
} from "./chunks/chunk-2ZQZQNNP.js";
import {
  VERSION
} from "./chunks/chunk-VQUWAF73.js";
import "./chunks/chunk-WQ37B3FA.js";

// src/cli.ts
async function main(argv, io) {
  const errPaint = io.paint?.err ?? plain;
  const usage = (e) => {
    io.err(`${errPaint("red", "orixoon:")} ${e.message}`);
    io.err(usageHint(e.command));
    return 2;
  };
  if (argv[0] === "history") return (await import("./chunks/history-N3YCGBFB.js")).historyCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) return usage(e);
    throw e;
  }
  switch (parsed.kind) {
    case "version":
      io.out(VERSION);
      return 0;
    case "help": {
      const paint = parsed.toStderr ? errPaint : io.paint?.out ?? plain;
      (parsed.toStderr ? io.err : io.out)(helpText(parsed.command, (f, t) => paint(f, t)));
      return parsed.toStderr ? 2 : 0;
    }
    case "run":
      try {
        const { runCommand } = await import("./chunks/commands-A5HFTH5W.js");
        return await runCommand(parsed.command, parsed.values, io);
      } catch (e) {
        if (e instanceof UsageError) return usage(e.command ? e : new UsageError(e.message, parsed.command));
        throw e;
      }
  }
}
function lineWriter(stream) {
  let gone = false;
  stream.on("error", () => {
    gone = true;
  });
  return (text) => {
    if (gone || stream.destroyed) return;
    try {
      stream.write(`${text}
`);
    } catch {
      gone = true;
    }
  };
}
function describe(e) {
  return e instanceof Error ? e.stack ?? e.message : String(e);
}
function runsCommand(argv) {
  try {
    return parseCli(argv).kind === "run";
  } catch {
    return false;
  }
}
async function runProgram() {
  const argv = process.argv.slice(2);
  const out = lineWriter(process.stdout);
  const err = lineWriter(process.stderr);
  const io = {
    out,
    err,
    env: process.env,
    cwd: process.cwd(),
    paint: { out: paintFor(process.stdout), err: paintFor(process.stderr) }
  };
  if (!runsCommand(argv)) {
    process.exitCode = await main(argv, io).catch((e) => {
      err(`orixoon: unexpected error: ${describe(e)}`);
      return EXIT_CRASH;
    });
    return;
  }
  const { exitWhenFlushed, guardProcess } = await import("./chunks/process-guard-XEXCRQER.js");
  const guard = guardProcess();
  let settled = false;
  let crashed = false;
  const crash = (e) => {
    if (crashed) return;
    crashed = true;
    err(`orixoon: unexpected error: ${describe(e)}`);
    guard.fail(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    guard.dispose();
    exitWhenFlushed(guard.exitCode() ?? EXIT_CRASH);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  let drained = false;
  process.on("beforeExit", () => {
    if (!settled) drained = true;
  });
  process.on("exit", () => {
    if (drained && !crashed && guard.exitCode() === void 0) process.exitCode = EXIT_CRASH;
  });
  main(argv, { ...io, stopSignal: guard.signal, guard }).then(
    (code) => {
      settled = true;
      const exit = guard.exitCode() ?? code;
      guard.dispose();
      exitWhenFlushed(exit);
    },
    (e) => {
      settled = true;
      crash(e);
    }
  );
}
if (process.argv[1] && /(?:^|[\\/])(?:cli\.(?:js|ts)|orixoon(?:\.js)?)$/.test(process.argv[1])) {
  void runProgram();
}
export {
  UsageError,
  main
};
