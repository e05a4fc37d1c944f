// The committed bundle is what GitHub runs (`runs.main: dist/index.js`) and what `npx orixoon` runs
// (bin/orixoon.js → dist/cli.js), from a checkout without node_modules. These tests run the built files
// themselves, copied to a directory with no node_modules above it, on the Node that runs the suite
// (Node 24 in CI): dockerode pulls in ssh2, whose optional native pieces (cpu-features, sshcrypto.node)
// are left external and are absent there, and the bundle must still load.
// `npm run build` (run by .ci/run before the tests) must have produced dist/.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { librariesIn, writeLoadRecorder } from '../helpers/dist-loads.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], cwd: string): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: 30_000, env: nodeEnv() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? e.message,
    };
  }
}

// Without the GitHub Actions variables, so the CLI cannot mistake this run for an action run.
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GITHUB_') && !k.startsWith('INPUT_') && !k.startsWith('RUNNER_')) env[k] = v;
  }
  return { ...env, NO_COLOR: '1' };
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}

describe('the built bundle (dist/)', () => {
  let isolated = '';

  beforeAll(() => {
    for (const f of ['index.js', 'cli.js']) {
      if (!existsSync(join(dist, f)))
        throw new Error(`dist/${f} is missing: run \`npm run build\` before the tests`);
    }
    isolated = mkdtempSync(join(tmpdir(), 'orixoon-dist-'));
    cpSync(dist, join(isolated, 'dist'), { recursive: true });
    // dist/*.js are ES modules; in the repository the top-level package.json says so.
    writeFileSync(join(isolated, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  afterAll(() => {
    if (isolated) rmSync(isolated, { recursive: true, force: true });
  });

  it('runs on Node 24, the runtime action.yml declares', async () => {
    expect(readFileSync(join(root, 'action.yml'), 'utf8')).toMatch(/using:\s*'?node24'?/);
    const { stdout } = await node(['-p', 'process.versions.node'], isolated);
    expect(Number(stdout.trim().split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('has no node_modules to fall back on where it is copied, and cpu-features is not there', () => {
    const req = createRequire(join(isolated, 'dist', 'cli.js'));
    expect(() => req.resolve('cpu-features')).toThrow(/Cannot find module/);
    expect(() => req.resolve('dockerode')).toThrow(/Cannot find module/);
  });

  it('keeps the optional native pieces external instead of bundling them', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.node'))).toEqual([]);
    const text = jsFiles(dist)
      .map((f) => readFileSync(join(dist, f), 'utf8'))
      .join('\n');
    // dockerode → docker-modem → ssh2 is in the bundle, and ssh2 asks for cpu-features at run time.
    expect(text).toContain('ssh2/lib/protocol/constants.js');
    expect(text).toMatch(/__require\("cpu-features"\)/);
    expect(text).toMatch(/__require\("\.\/crypto\/build\/Release\/sshcrypto\.node"\)/);
  });

  it('`cli.js --version` prints the package version and exits 0 without node_modules', async () => {
    const r = await node([join(isolated, 'dist', 'cli.js'), '--version'], isolated);
    expect(r.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(version);
  });

  it('`cli.js --help` exits 0 and names the commands', async () => {
    const r = await node([join(isolated, 'dist', 'cli.js'), '--help'], isolated);
    expect(r.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    expect(r.code).toBe(0);
    for (const command of ['check', 'heal', 'monitor']) expect(r.stdout).toContain(command);
  });

  // A resolve hook that records whether anything asked for ssh2's optional native pieces (and got none).
  const recordNativeAsks = [
    `import { registerHooks } from 'node:module';`,
    `const asked = new Set();`,
    `registerHooks({ resolve(specifier, context, next) {`,
    `  if (specifier === 'cpu-features' || specifier.endsWith('.node')) asked.add(specifier);`,
    `  return next(specifier, context);`,
    `} });`,
  ];

  it('loads every chunk, and nothing asks for a native piece until an ssh:// host is used', async () => {
    const chunks = jsFiles(join(isolated, 'dist')).filter((f) => f !== 'index.js' && f !== 'cli.js');
    // index.js and cli.js run the action / the CLI when imported; chunks only define modules. esbuild
    // wraps some CommonJS packages in a lazy `require_<name>()` that a chunk exports: call those too.
    const script = [
      ...recordNativeAsks,
      `let evaluated = 0;`,
      `for (const f of ${JSON.stringify(chunks)}) {`,
      `  const mod = await import('./dist/' + f);`,
      `  for (const [name, value] of Object.entries(mod)) {`,
      `    if (name.startsWith('require_') && typeof value === 'function') { value(); evaluated++; }`,
      `  }`,
      `}`,
      `console.log(JSON.stringify({ chunks: ${chunks.length}, evaluated, asked: [...asked].sort() }));`,
    ].join('\n');
    writeFileSync(join(isolated, 'load-chunks.mjs'), script);
    const r = await node(['load-chunks.mjs'], isolated);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { chunks: number; evaluated: number; asked: string[] };
    expect(result.chunks).toBeGreaterThan(0);
    expect(result.asked).toEqual([]);
  });

  it('the bundled Redis client has every command method ioredis defines (the load-time prototype edit drops none)', async () => {
    const chunk = jsFiles(join(isolated, 'dist')).find((f) =>
      readFileSync(join(isolated, 'dist', f), 'utf8').includes('// node_modules/ioredis/built/Redis.js'),
    );
    expect(chunk).toBeDefined();
    const { list } = createRequire(import.meta.url)('@ioredis/commands') as { list: string[] };
    const expected = [...list.filter((c) => c !== 'monitor'), 'sentinel'].flatMap((c) => [c, `${c}Buffer`]);
    expect(expected.length).toBeGreaterThan(400);
    writeFileSync(
      join(isolated, 'redis-methods.mjs'),
      [
        `const mod = await import('./dist/${chunk}');`,
        `const Redis = mod.default.default ?? mod.default;`,
        `const names = ${JSON.stringify([...expected, 'call', 'callBuffer'])};`,
        `console.log(JSON.stringify(names.filter((n) => typeof Redis.prototype[n] !== 'function')));`,
      ].join('\n'),
    );
    const r = await node(['redis-methods.mjs'], isolated);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('an ssh:// Docker host loads ssh2 (under dockerode) on first use, without cpu-features or its binding', async () => {
    writeFileSync(
      join(isolated, 'ssh.yml'),
      'phases:\n  - name: p\n    checks:\n      - { id: app, type: container, container: app }\n',
    );
    writeFileSync(
      join(isolated, 'record-native.mjs'),
      [
        ...recordNativeAsks,
        `process.on('exit', () => process.stderr.write('ASKED ' + JSON.stringify([...asked].sort()) + '\\n'));`,
      ].join('\n'),
    );
    const r = await node(
      [
        '--import',
        './record-native.mjs',
        join(isolated, 'dist', 'cli.js'),
        'check',
        '--config',
        'ssh.yml',
        '--docker-host',
        'ssh://deploy@127.0.0.1:1',
        '--report-dir',
        'ssh-reports',
      ],
      isolated,
    );
    expect(r.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    // Blocked: the host refuses the connection, and the run says so (ssh2 made the attempt).
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Docker host ssh:\/\/deploy@127\.0\.0\.1:1 not reachable: .*ECONNREFUSED/);
    expect(JSON.parse(/^ASKED (.*)$/m.exec(r.stderr)?.[1] ?? 'null')).toEqual([
      './crypto/build/Release/sshcrypto.node',
      'cpu-features',
    ]);
  });

  // A load hook that records which of the bundle's files a run loads, and which libraries they hold.
  async function librariesLoaded(args: string[]): Promise<{ run: Ran; libraries: string[] | null }> {
    const hook = writeLoadRecorder(isolated);
    const run = await node(['--import', hook, join(isolated, 'dist', 'cli.js'), ...args], isolated);
    return { run, libraries: librariesIn(run.stderr) };
  }

  it('`--version` and `--help` load no library at all', async () => {
    for (const flag of ['--version', '--help']) {
      const { run, libraries } = await librariesLoaded([flag]);
      expect(run.code).toBe(0);
      expect(libraries).toEqual([]);
    }
  });

  it('a run loads only the clients its checks use: no Docker, PostgreSQL, Redis or GitHub client for a command check', async () => {
    writeFileSync(
      join(isolated, 'command.yml'),
      'phases:\n  - name: p\n    checks:\n      - { id: ok, type: command, run: "true" }\n',
    );
    const { run, libraries } = await librariesLoaded([
      'check',
      '--config',
      'command.yml',
      '--report-dir',
      'cmd-reports',
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(libraries).toEqual(['yaml', 'zod']);
  });

  it('bin/orixoon.js runs the CLI bundle', async () => {
    const bin = join(root, 'bin', 'orixoon.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const r = await node([bin, '--version'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(version);
  });
});
