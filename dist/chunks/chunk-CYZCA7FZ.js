import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/cli/style.ts
import { styleText } from "node:util";
var plain = (_format, text) => text;
function paintFor(stream) {
  return (format, text) => styleText(format, text, { stream });
}
var LINE_STYLES = [
  [/^━━ /, "bold"],
  [/^(❌|✗|🚫|💥|🛑|⛔)/u, "red"],
  [/^(✅|✓)/u, "green"],
  [/^(⚠️|⛓️|🛡️|⏸️)/u, "yellow"],
  [/^(🔧|⏳|🔍)/u, "cyan"],
  [/^Report: /, "dim"]
];
function paintLine(paint, line) {
  for (const [re, format] of LINE_STYLES) if (re.test(line)) return paint(format, line);
  return line;
}

export {
  plain,
  paintFor,
  paintLine
};
