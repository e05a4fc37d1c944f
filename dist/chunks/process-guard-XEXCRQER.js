import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  CANCEL_BUDGET_MS,
  OVERRUN_GRACE_MS,
  exitWhenFlushed,
  guardProcess,
  writeStoppedRun
} from "./chunk-V5A3BZ4W.js";
import "./chunk-KJRLVASL.js";
import "./chunk-WQ37B3FA.js";
export {
  CANCEL_BUDGET_MS,
  OVERRUN_GRACE_MS,
  exitWhenFlushed,
  guardProcess,
  writeStoppedRun
};
