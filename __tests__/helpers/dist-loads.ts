// Which bundled libraries a run of the built bundle (dist/) loads: a module load hook, preloaded with
// `--import`, reads every file of dist/ the run imports and notes the libraries bundled in it (esbuild
// marks each bundled file with a `// …node_modules/<package>/…` comment), printed on exit as
// `LOADED ["…"]` on stderr, and the Node built-in modules the process loaded as `BUILTINS ["…"]`.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const BUNDLED_LIBRARIES = [
  'zod',
  'yaml',
  'dockerode',
  'ssh2',
  '@grpc/grpc-js',
  'pg',
  'ioredis',
  '@octokit/core',
  'undici',
];

/** Writes the hook into `dir` and returns its path, for `node --import <path> dist/cli.js …`. */
export function writeLoadRecorder(dir: string): string {
  const file = join(dir, 'record-loads.mjs');
  writeFileSync(
    file,
    [
      `import { registerHooks } from 'node:module';`,
      `import { readFileSync } from 'node:fs';`,
      `import { fileURLToPath } from 'node:url';`,
      `const libraries = new Set();`,
      `registerHooks({ load(url, context, next) {`,
      `  if (url.startsWith('file:') && url.includes('/dist/')) {`,
      `    const text = readFileSync(fileURLToPath(url), 'utf8');`,
      `    for (const l of ${JSON.stringify(BUNDLED_LIBRARIES)}) if (text.includes('node_modules/' + l + '/')) libraries.add(l);`,
      `  }`,
      `  return next(url, context);`,
      `} });`,
      `process.on('exit', () => {`,
      `  process.stderr.write('LOADED ' + JSON.stringify([...libraries].sort()) + '\\n');`,
      `  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));`,
      `  process.stderr.write('BUILTINS ' + JSON.stringify(builtins.filter((m) => !m.startsWith('internal/')).sort()) + '\\n');`,
      `});`,
    ].join('\n'),
  );
  return file;
}

/** The libraries a run's stderr says it loaded (null when the hook did not report). */
export function librariesIn(stderr: string): string[] | null {
  return JSON.parse(/^LOADED (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[] | null;
}

/** The public Node built-in modules a run's stderr says it loaded (null when the hook did not report). */
export function builtinsIn(stderr: string): string[] | null {
  return JSON.parse(/^BUILTINS (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[] | null;
}

/** One `dist/cli.js check` run: its exit code, output, and what it loaded. */
export interface BuiltCheckRun {
  code: number;
  stdout: string;
  stderr: string;
  libraries: string[] | null;
  builtins: string[] | null;
}

/**
 * Runs the built CLI's `check` in a new directory on a config of one phase whose only check is
 * `check` (a YAML flow mapping, e.g. `{ id: db, type: postgres, url: "…" }`), with PATH, HOME and
 * NO_COLOR plus `env`, and the load recorder preloaded.
 */
export async function checkWithBuiltCli(check: string, env: NodeJS.ProcessEnv = {}): Promise<BuiltCheckRun> {
  const dir = mkdtempSync(join(tmpdir(), 'orixoon-test-'));
  writeFileSync(join(dir, 'orixoon.yml'), `phases:\n  - name: data\n    checks:\n      - ${check}\n`);
  const args = [
    '--import',
    writeLoadRecorder(dir),
    resolve('dist/cli.js'),
    'check',
    '--config',
    'orixoon.yml',
  ];
  const r = await promisify(execFile)(
    process.execPath,
    [...args, '--report-dir', 'reports', '--state', join(dir, 'state.db')],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      timeout: 60_000,
    },
  ).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  return { ...r, libraries: librariesIn(r.stderr), builtins: builtinsIn(r.stderr) };
}
