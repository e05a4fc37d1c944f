// The command line as a program (the built dist/cli.js, built here from the sources): what it prints,
// its exit codes, and what it loads. `--version`, help and usage errors only print, so they load no
// process guard or command runner (no node:crypto, no node:child_process); a command that runs loads
// them. (node:worker_threads is no sign: an ESM import of node:util loads it.)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** Prints, at exit, which of the watched built-in modules the process loaded. */
const REPORT_LOADED = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(['crypto', 'child_process'].filter((m) => process.moduleLoadList.includes('NativeModule ' + m))) + '\\n'));",
)}`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  loaded: string[];
}

let out = '';
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'oxc-cli-'));
  await exec(process.execPath, [
    join(root, 'scripts', 'build.mjs'),
    '--outdir',
    join(out, 'dist'),
    '--schema-out',
    join(out, 'schema.json'),
  ]);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function cli(args: string[]): Promise<Ran> {
  let r: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', REPORT_LOADED, join(out, 'dist', 'cli.js'), ...args],
      { cwd: out, timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: out, NO_COLOR: '1' } },
    );
    r = { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    r = { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
  const line = /\nLOADED (.*)\n/.exec(r.stderr);
  expect(line, r.stderr).not.toBeNull();
  return { ...r, stderr: r.stderr.replace(/\nLOADED .*\n/, ''), loaded: JSON.parse(line![1]!) as string[] };
}

describe('orixoon as a program', () => {
  test('--version prints the version, exits 0, and loads no process guard or command runner', async () => {
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '', loaded: [] });
  });

  test('help exits 0 with the help on stdout; nothing but printing is loaded', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Orixoon .*\n\nUsage:/);
    expect(r.loaded).toEqual([]);
  });

  test('no command and an unknown command are usage errors: exit 2, the hint on stderr', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/Usage:/);
    const unknown = await cli(['bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^orixoon: unknown command "bogus"/);
    expect([...none.loaded, ...unknown.loaded]).toEqual([]);
  });

  test('a command that runs is under the guard: a missing config exits 2 after loading it', async () => {
    const r = await cli(['check', '--config', 'missing.yml', '--report-dir', 'reports']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.yml/);
    expect(r.loaded).toEqual(['crypto', 'child_process']);
  });
});
