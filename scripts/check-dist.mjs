// Fails when the committed bundle (dist/ and orixoon.schema.json) is not what src/ builds to: GitHub runs
// dist/index.js as it is in the repository, so a stale dist/ ships old code.
//
//   node scripts/check-dist.mjs [--expected-out DIR]
//
// Builds into a temporary directory with scripts/build.mjs (the same esbuild settings), compares every
// file, and lists the ones that differ, are missing or are left over. --expected-out copies the expected
// build there (CI uploads it as an artifact, so a contributor can take it without a local build).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { 'expected-out': { type: 'string' } } });

/** Every file under dir, as paths relative to dir (sorted, '/' separated). */
function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Differences between an expected and an actual directory, as `dist/<file> (reason)` lines. */
function compareDirs(expectedDir, actualDir, label) {
  const expected = listFiles(expectedDir);
  const actual = new Set(listFiles(actualDir));
  const problems = [];
  for (const f of expected) {
    if (!actual.has(f)) problems.push(`${label}/${f} (missing)`);
    else if (!readFileSync(join(expectedDir, f)).equals(readFileSync(join(actualDir, f))))
      problems.push(`${label}/${f} (differs)`);
    actual.delete(f);
  }
  for (const f of actual) problems.push(`${label}/${f} (not produced by the build: remove it)`);
  return problems;
}

const work = mkdtempSync(join(tmpdir(), 'orixoon-check-dist-'));
try {
  const expectedDist = join(work, 'dist');
  const expectedSchema = join(work, 'orixoon.schema.json');
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'build.mjs'), '--outdir', expectedDist, '--schema-out', expectedSchema],
    { cwd: root, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error(`check-dist: the build failed (exit ${result.status ?? result.signal}); fix src/ first.`);
    process.exit(2);
  }

  const problems = compareDirs(expectedDist, join(root, 'dist'), 'dist');
  const schemaPath = join(root, 'orixoon.schema.json');
  if (existsSync(expectedSchema)) {
    if (!existsSync(schemaPath)) problems.push('orixoon.schema.json (missing)');
    else if (!readFileSync(expectedSchema).equals(readFileSync(schemaPath)))
      problems.push('orixoon.schema.json (differs)');
  }

  if (args['expected-out']) {
    const dest = resolve(root, args['expected-out']);
    rmSync(dest, { recursive: true, force: true });
    cpSync(expectedDist, join(dest, 'dist'), { recursive: true });
    if (existsSync(expectedSchema)) cpSync(expectedSchema, join(dest, 'orixoon.schema.json'));
  }

  if (problems.length) {
    console.error(`dist/ is stale: run npm run build and commit dist/. ${problems.length} file(s) differ:`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }

  // Also say so when the working tree is right but not committed yet (a dev machine, not CI).
  let uncommitted = '';
  try {
    uncommitted = execFileSync('git', ['status', '--porcelain', '--', 'dist', 'orixoon.schema.json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    /* not a git checkout: nothing to say */
  }
  const files = listFiles(expectedDist).length;
  console.log(`check-dist: dist/ matches src/ (${files} files, built in ${Date.now() - started} ms).`);
  if (uncommitted)
    console.log(`check-dist: note: dist/ has uncommitted changes; commit them:\n${uncommitted}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
