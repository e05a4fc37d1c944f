// Bundles src/index.ts (the action) and src/cli.ts (the command line) into dist/ as ESM, and writes the
// config JSON Schema. dockerode's CommonJS dependencies need require/__filename/__dirname in an ESM
// bundle; ssh2's optional native pieces (cpu-features, *.node) stay external and are absent at run time.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';

const schemaOnly = process.argv.includes('--schema-only');
const banner = [
  "import { createRequire as __orixoonCreateRequire } from 'node:module';",
  "import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';",
  "import { dirname as __orixoonDirname } from 'node:path';",
  'const require = __orixoonCreateRequire(import.meta.url);',
  'const __filename = __orixoonFileURLToPath(import.meta.url);',
  'const __dirname = __orixoonDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  banner: { js: banner },
  external: ['cpu-features', '*.node'],
  legalComments: 'none',
  logLevel: 'warning',
};

if (!schemaOnly) {
  rmSync('dist', { recursive: true, force: true });
  mkdirSync('dist', { recursive: true });
  await build({ ...common, entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts' }, outdir: 'dist', splitting: true, chunkNames: 'chunks/[name]-[hash]' });
}

// The JSON Schema comes from the same zod schema the loader validates with.
const tmp = '.tmp/schema-gen.mjs';
mkdirSync('.tmp', { recursive: true });
await build({ ...common, entryPoints: ['src/config/json-schema.ts'], outfile: tmp, banner: { js: banner } });
const { buildJsonSchema } = await import(new URL(`../${tmp}`, import.meta.url).href + `?t=${Date.now()}`);
writeFileSync('orixoon.schema.json', JSON.stringify(buildJsonSchema(), null, 2) + '\n');
