import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  Client,
  Connection,
  DatabaseError,
  Pool,
  Query,
  Result,
  TypeOverrides,
  defaults,
  escapeIdentifier,
  escapeLiteral,
  esm_default,
  types
} from "./chunk-N2QV4CYW.js";
import "./chunk-WQ37B3FA.js";
export {
  Client,
  Connection,
  DatabaseError,
  Pool,
  Query,
  Result,
  TypeOverrides,
  esm_default as default,
  defaults,
  escapeIdentifier,
  escapeLiteral,
  types
};
