import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  setFailed,
  setOutput
} from "./chunks/chunk-QBMVHA3P.js";
import {
  exitWhenFlushed,
  guardProcess
} from "./chunks/chunk-V5A3BZ4W.js";
import "./chunks/chunk-KJRLVASL.js";
import "./chunks/chunk-WQ37B3FA.js";

// src/index.ts
var { run } = await import("./chunks/main-DFDYCNXE.js");
var guard = guardProcess();
run(process.env, guard).catch((e) => {
  guard.fail(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
  setOutput("status", "blocked");
  setFailed(
    `Orixoon failed unexpectedly: ${e instanceof Error ? e.stack ?? e.message : String(e)}. Deployment: BLOCKED`
  );
  guard.written();
}).finally(() => {
  const code = guard.exitCode() ?? (process.exitCode === void 0 ? 0 : Number(process.exitCode));
  guard.dispose();
  exitWhenFlushed(code);
});
