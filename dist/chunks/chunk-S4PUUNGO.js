import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/state/record.ts
function hostOf(f) {
  const e = f.evidence ?? {};
  for (const v of [f.host, e.dockerHost, e.host, e.engine]) if (typeof v === "string" && v) return v;
  return "";
}

export {
  hostOf
};
