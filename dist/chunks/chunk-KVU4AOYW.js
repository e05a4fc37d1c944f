import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/support/format.ts
function round1(n) {
  return String(Math.round(n * 10) / 10);
}
function formatSeconds(seconds) {
  if (seconds < 120) return `${round1(seconds)}s`;
  if (seconds < 7200) return `${round1(seconds / 60)} min`;
  return `${round1(seconds / 3600)} h`;
}
function formatMilliseconds(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "\u2014";
  if (ms < 1e3) return `${Math.round(ms)} ms`;
  if (ms < 6e4) return `${(ms / 1e3).toFixed(1)} s`;
  const total = Math.round(ms / 1e3);
  return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
}
function formatMillisecondsAsSeconds(ms) {
  return `${Math.round(ms / 100) / 10} s`;
}

export {
  formatSeconds,
  formatMilliseconds,
  formatMillisecondsAsSeconds
};
