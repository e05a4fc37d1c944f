import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  formatProblem,
  keyPath,
  loadConfigFile,
  parseConfig,
  resolveConfig
} from "./chunk-NBNSFWGK.js";
import "./chunk-GZM7BHQG.js";
import "./chunk-KVU4AOYW.js";
import "./chunk-KJRLVASL.js";
import "./chunk-WQ37B3FA.js";
export {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  formatProblem,
  keyPath,
  loadConfigFile,
  parseConfig,
  resolveConfig
};
