import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/state/types.ts
var DEFAULT_STATE_PATH = ".orixoon/state.db";

// src/targets/lazy.ts
function lazyImport(load) {
  let loading;
  return () => loading ??= nextTurn().then(nextTurn).then(load);
}
var nextTurn = () => new Promise((resolve) => setImmediate(resolve));

export {
  lazyImport,
  DEFAULT_STATE_PATH
};
