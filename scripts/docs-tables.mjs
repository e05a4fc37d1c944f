// Writes the README's tables of check types and issue codes from the check types' declarations
// (src/checks/docs-tables.ts), between their markers. With --check it only says whether they are stale
// (exit 1). The generator is bundled into a temporary directory, as the JSON Schema's is.
//   node scripts/docs-tables.mjs [--check]
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const readme = join(root, 'README.md');

mkdirSync(join(root, '.tmp'), { recursive: true });
const genDir = mkdtempSync(join(root, '.tmp', 'docs-gen-'));
try {
  const gen = join(genDir, 'docs-gen.mjs');
  await build({
    absWorkingDir: root,
    entryPoints: ['src/checks/docs-tables.ts'],
    outfile: gen,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    logLevel: 'warning',
  });
  const { readmeTables, withTables } = await import(pathToFileURL(gen).href);
  const before = readFileSync(readme, 'utf8');
  const after = withTables(before, readmeTables());
  if (args.check) {
    if (before !== after) {
      console.error(
        'README.md: the check-type and issue-code tables are stale: run node scripts/docs-tables.mjs',
      );
      process.exitCode = 1;
    }
  } else if (before !== after) writeFileSync(readme, after);
} finally {
  rmSync(genDir, { recursive: true, force: true });
}
