// Runs the state writer (__tests__/helpers/state-writer.ts) as separate Node processes: bundled once
// with esbuild next to node_modules, so pg resolves from the project.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
const OUT_DIR = join(process.cwd(), 'node_modules', '.cache', 'orixoon-state-tests');

let bundled: Promise<string> | undefined;

export function stateWriter(): Promise<string> {
  return (bundled ??= (async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    const outfile = join(OUT_DIR, 'state-writer.mjs');
    await build({
      entryPoints: [join(process.cwd(), '__tests__', 'helpers', 'state-writer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    });
    return outfile;
  })());
}

/** Starts `count` writers at once, each recording `runs` runs; their outputs. */
export async function writeAtOnce(config: object, count: number, runs: number): Promise<string[]> {
  const script = await stateWriter();
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      run(process.execPath, [script, JSON.stringify(config), `w${i}`, String(runs)], {
        timeout: 120_000,
      }).then((r) => r.stdout.trim()),
    ),
  );
}
