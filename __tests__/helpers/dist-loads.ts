// Which bundled libraries a run of the built bundle (dist/) loads: a module load hook, preloaded with
// `--import`, reads every file of dist/ the run imports and notes the libraries bundled in it (esbuild
// marks each bundled file with a `// …node_modules/<package>/…` comment), printed on exit as
// `LOADED ["…"]` on stderr, and the Node built-in modules the process loaded as `BUILTINS ["…"]`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
