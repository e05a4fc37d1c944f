// What the bench scripts share: the TypeScript sources bundled on the fly with esbuild (node_modules
// stay external), so a bench measures the code in src/, not a stale dist/.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Bundles `exports` (lines like `export { Targets } from './src/targets/index.ts';`, relative to the
 * project root) and imports the bundle. `prefix` names its temporary directory.
 */
export async function importSources(prefix, exports) {
  // Inside the project, so the bundle's bare imports (dockerode, zod…) resolve from node_modules.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const outDir = mkdtempSync(join(root, 'node_modules', '.cache', prefix));
  const outfile = join(outDir, 'bench-entry.mjs');
  await build({
    absWorkingDir: root,
    stdin: { resolveDir: root, sourcefile: 'bench-entry.ts', loader: 'ts', contents: exports.join('\n') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
