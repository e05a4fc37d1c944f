// Bundles src/index.ts (the action), src/post.ts (its post step) and src/cli.ts (the command line) into
// dist/ as ESM, and writes the config JSON Schema. dockerode's CommonJS dependencies need
// require/__filename/__dirname in an ESM bundle; ssh2's optional native pieces (cpu-features, *.node)
// stay external and are absent at run time.
//
//   node scripts/build.mjs [--outdir DIR] [--schema-out FILE] [--schema-only]
//
// The defaults write dist/ and orixoon.schema.json; scripts/check-dist.mjs builds into a temporary
// directory with the same settings and compares. The output must be byte-for-byte deterministic.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeLicences } from './licenses.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    outdir: { type: 'string', default: 'dist' },
    'schema-out': { type: 'string', default: 'orixoon.schema.json' },
    'schema-only': { type: 'boolean', default: false },
  },
});
const outdir = resolve(root, args.outdir);
const schemaOut = resolve(root, args['schema-out']);

const banner = [
  "import { createRequire as __orixoonCreateRequire } from 'node:module';",
  "import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';",
  "import { dirname as __orixoonDirname } from 'node:path';",
  'const require = __orixoonCreateRequire(import.meta.url);',
  'const __filename = __orixoonFileURLToPath(import.meta.url);',
  'const __dirname = __orixoonDirname(__filename);',
].join('\n');

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  banner: { js: banner },
  external: ['cpu-features', '*.node'],
  // jsonc-parser's `main` is a UMD build whose requires esbuild cannot follow: bundle its ES modules.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  // Bundled packages' licence comments stay, at the end of each file; their full licence texts go to
  // dist/licenses.txt (scripts/licenses.mjs).
  legalComments: 'eof',
  logLevel: 'warning',
};

if (!args['schema-only']) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const bundled = await build({
    ...common,
    metafile: true,
    entryPoints: { index: 'src/index.ts', cli: 'src/cli.ts', post: 'src/post.ts' },
    outdir,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  writeLicences(bundled.metafile, root, outdir);
}

// The JSON Schema comes from the same zod schema the loader validates with. The generator is bundled
// into its own temporary directory so two builds (e.g. check-dist next to a build) never share a file.
mkdirSync(join(root, '.tmp'), { recursive: true });
const genDir = mkdtempSync(join(root, '.tmp', 'schema-gen-'));
try {
  const gen = join(genDir, 'schema-gen.mjs');
  await build({ ...common, entryPoints: ['src/config/json-schema.ts'], outfile: gen });
  const { buildJsonSchema } = await import(pathToFileURL(gen).href);
  mkdirSync(dirname(schemaOut), { recursive: true });
  writeFileSync(schemaOut, JSON.stringify(buildJsonSchema(), null, 2) + '\n');
} finally {
  rmSync(genDir, { recursive: true, force: true });
}
