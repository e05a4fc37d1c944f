// `npx orixoon` outside a clone. The package is packed the way npm publishes it (`npm pack`), then
// installed and run inside a container that holds an empty folder, Node.js, the tarball and the Docker
// socket, and nothing else: no repository, no node_modules, an empty npm cache, and npm --offline. So
// the tarball itself must carry everything that runs (the bundle in dist/) and need no dependencies.
// `npm run build` (run by .ci/run before the tests) must have produced dist/.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureFixtureImage,
  FIXTURE_IMAGE,
  inspect,
  removeSuite,
  runContainer,
  SLEEP_FOREVER,
  TEST_LABEL,
} from '../helpers/docker.js';

const SUITE = 'npm-package';
const TARGET = 'oxe-npm-app';
const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
// The Node.js that runs the suite (24 in CI) is mounted into the container, with its npm and npx.
const nodeDir = dirname(dirname(process.execPath));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], opts: { cwd?: string; timeout?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: opts.cwd ?? root,
        timeout: opts.timeout ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) || (error && code < 0 ? error.message : ''),
        });
      },
    );
  });
}

/** How the container reaches the same Docker engine as the tests: its unix socket, or DOCKER_HOST. */
function dockerAccess(): string[] {
  const host = process.env.DOCKER_HOST;
  if (!host || host.startsWith('unix://')) {
    const socket = host ? host.slice('unix://'.length) : '/var/run/docker.sock';
    return ['-v', `${socket}:/var/run/docker.sock`];
  }
  return ['-e', `DOCKER_HOST=${host}`];
}

let runs = 0;
/**
 * Runs a command in a fresh container from the empty fixture image: the host's system binaries
 * (read-only), Node.js at /opt/node, the tarball's folder at /pack (read-only), the user's folder at
 * /project, an empty home and /tmp. The repository is not there.
 */
function inContainer(work: { pack: string; project: string }, cmd: string[]): Promise<Ran> {
  const args = ['run', '--rm', '--name', `oxe-npm-run-${process.pid}-${++runs}`, '--network', 'host'];
  args.push('--label', `${TEST_LABEL}=${SUITE}`);
  for (const m of ['/usr', '/lib', '/lib64', '/bin', '/sbin']) args.push('-v', `${m}:${m}:ro`);
  args.push('-v', `${nodeDir}:/opt/node:ro`, '-v', `${work.pack}:/pack:ro`, '-v', `${work.project}:/project`);
  // exec: npx runs the package's bin from its cache under the home directory.
  args.push('--tmpfs', '/tmp:exec', '--tmpfs', '/home/user:exec', ...dockerAccess());
  args.push('-w', '/project', '-e', 'PATH=/opt/node/bin:/usr/bin:/bin', '-e', 'HOME=/home/user');
  args.push('-e', 'NO_COLOR=1', FIXTURE_IMAGE, ...cmd);
  return exec('docker', args, { timeout: 180_000 });
}

/** `// node_modules/<pkg>/…` path comments esbuild leaves above each bundled module. */
function bundledPackageDirs(dist: string): string[] {
  const dirs = new Set<string>();
  for (const f of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.js')) continue;
    for (const m of readFileSync(join(dist, f), 'utf8').matchAll(
      /^\/\/ (\S*node_modules\/(?:@[^/\s]+\/)?[^/\s]+)\//gm,
    ))
      dirs.add(m[1]!);
  }
  return [...dirs].sort();
}

function normalised(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

describe('the npm package (npm pack → install into an empty folder → npx orixoon)', () => {
  let work = { base: '', pack: '', project: '', unpacked: '' };
  let tarball = '';
  let packed: { name: string; version: string; filename: string; files: { path: string }[] } | undefined;
  let install: Ran = { code: -1, stdout: '', stderr: 'not run' };

  beforeAll(async () => {
    for (const f of ['index.js', 'cli.js']) {
      if (!existsSync(join(root, 'dist', f)))
        throw new Error(`dist/${f} is missing: run \`npm run build\` before the tests`);
    }
    await removeSuite(SUITE);
    await ensureFixtureImage();
    const base = mkdtempSync(join(tmpdir(), 'orixoon-npm-package-'));
    work = {
      base,
      pack: join(base, 'pack'),
      project: join(base, 'project'),
      unpacked: join(base, 'unpacked'),
    };
    for (const d of [work.pack, work.project, work.unpacked]) mkdirSync(d);

    const pack = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work.pack]);
    if (pack.code !== 0) throw new Error(`npm pack failed (exit ${pack.code}): ${pack.stderr}`);
    packed = (JSON.parse(pack.stdout) as NonNullable<typeof packed>[])[0];
    tarball = packed!.filename;
    const untar = await exec('tar', ['-xzf', join(work.pack, tarball), '-C', work.unpacked]);
    if (untar.code !== 0) throw new Error(`tar failed: ${untar.stderr}`);

    install = await inContainer(work, [
      'npm',
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      `/pack/${tarball}`,
    ]);
  });

  afterAll(async () => {
    await removeSuite(SUITE);
    if (work.base) rmSync(work.base, { recursive: true, force: true });
  });

  it('packs what runs and nothing else, as `orixoon`, publishable and without dependencies', () => {
    expect(packed?.name).toBe('orixoon');
    expect(packed?.version).toBe(manifest.version);
    const paths = packed!.files.map((f) => f.path).sort();
    const allowed =
      /^(dist\/.+|bin\/orixoon\.js|orixoon\.schema\.json|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    for (const p of [
      'dist/cli.js',
      'dist/index.js',
      'dist/licenses.txt',
      'bin/orixoon.js',
      'LICENSE',
      'CHANGELOG.md',
    ])
      expect(paths).toContain(p);

    const pkg = JSON.parse(readFileSync(join(work.unpacked, 'package', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ orixoon: 'bin/orixoon.js' });
    // dist/ bundles every runtime library; a dependency here would be downloaded for nothing.
    expect(Object.keys((pkg.dependencies as object | undefined) ?? {})).toEqual([]);
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(work.unpacked, 'package', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(readFileSync(join(work.unpacked, 'package', 'CHANGELOG.md'), 'utf8')).toContain(
      `## [${manifest.version}]`,
    );
  });

  it('ships the licence text of every package whose code is in the bundle (dist/licenses.txt)', () => {
    const dist = join(work.unpacked, 'package', 'dist');
    const licences = readFileSync(join(dist, 'licenses.txt'), 'utf8');
    const dirs = bundledPackageDirs(dist);
    expect(dirs.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
      if (!licences.includes(`\n${pkg.name}@${pkg.version}\nLicense: `))
        missing.push(`${pkg.name}@${pkg.version}`);
    }
    expect(missing).toEqual([]);
    // The runtime libraries' own licence files, word for word.
    const files: Record<string, string> = {
      dockerode: 'LICENSE',
      pg: 'LICENSE',
      ioredis: 'LICENSE',
      yaml: 'LICENSE',
      zod: 'LICENSE',
      '@actions/core': 'LICENSE.md',
      '@actions/github': 'LICENSE.md',
      ssh2: 'LICENSE',
    };
    for (const [name, file] of Object.entries(files)) {
      const text = normalised(readFileSync(join(root, 'node_modules', name, file), 'utf8'));
      expect(text.length, name).toBeGreaterThan(100);
      expect(licences, name).toContain(text);
    }
    // The licence comments inside the bundled sources are kept too.
    const chunkText = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dist, f), 'utf8'))
      .join('\n');
    expect(chunkText).toContain('Bundled license information');
    expect(chunkText).toContain('safe-buffer. MIT License. Feross Aboukhadijeh');
  });

  it('installs from the tarball offline with an empty npm cache and no access to the repository', async () => {
    expect(install.code, install.stderr).toBe(0);
    const installed = readdirSync(join(work.project, 'node_modules')).filter((f) => !f.startsWith('.'));
    expect(installed).toEqual(['orixoon']);
    // The container really cannot see the repository or any node_modules outside the folder.
    const probe = await inContainer(work, [
      'node',
      '-e',
      `const fs = require('node:fs');
       console.log(JSON.stringify({ repo: fs.existsSync(${JSON.stringify(root)}), dockerode:
         (() => { try { require.resolve('dockerode', { paths: ['/project/node_modules/orixoon/dist'] }); return true; } catch { return false; } })() }));`,
    ]);
    expect(probe.code, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual({ repo: false, dockerode: false });
  });

  it('`npx orixoon --version` and `orixoon --version` print the version from the installed package', async () => {
    expect(install.code, install.stderr).toBe(0);
    const npx = await inContainer(work, ['npx', '--offline', 'orixoon', '--version']);
    expect(npx.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    expect(npx.code).toBe(0);
    expect(npx.stdout.trim()).toBe(manifest.version);
    const bin = await inContainer(work, ['node_modules/.bin/orixoon', '--version']);
    expect(bin.code, bin.stderr).toBe(0);
    expect(bin.stdout.trim()).toBe(manifest.version);
  });

  it('`orixoon check --dry-run` plans start_container for a stopped container and changes nothing', async () => {
    expect(install.code, install.stderr).toBe(0);
    await runContainer({ name: TARGET, suite: SUITE, cmd: SLEEP_FOREVER, createOnly: true });
    writeFileSync(
      join(work.project, 'orixoon.yml'),
      `phases:\n  - name: infrastructure\n    checks:\n      - { id: app, type: container, container: ${TARGET} }\n`,
    );
    const r = await inContainer(work, [
      'npx',
      '--offline',
      'orixoon',
      'check',
      '--dry-run',
      '--config',
      'orixoon.yml',
      '--report-dir',
      'reports',
    ]);
    expect(r.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`DRY RUN: would start_container on ${TARGET}`);
    expect(r.stdout).toContain('Deployment: BLOCKED');

    const [stamp] = readdirSync(join(work.project, 'reports'));
    const report = JSON.parse(readFileSync(join(work.project, 'reports', stamp!, 'report.json'), 'utf8')) as {
      verdict: string;
      mode: { dryRun: boolean };
      findings: { code: string; target: string; outcome: string; action: string }[];
    };
    expect(report.verdict).toBe('blocked');
    expect(report.mode.dryRun).toBe(true);
    expect(report.findings).toMatchObject([
      { code: 'container_not_running', target: TARGET, outcome: 'dry_run', action: 'start_container' },
    ]);
    // Nothing changed: the container was never started.
    const state = (await inspect(TARGET)).State;
    expect(state.Status).toBe('created');
    expect(state.Running).toBe(false);
    expect(state.StartedAt).toBe('0001-01-01T00:00:00Z');
  });

  it('`npx --package <tarball> orixoon` runs in an empty folder without installing first', async () => {
    const r = await inContainer(work, [
      'sh',
      '-c',
      `mkdir /tmp/empty && cd /tmp/empty && npx --offline --yes --package /pack/${tarball} orixoon --version && ls -A /tmp/empty`,
    ]);
    expect(r.stderr).not.toMatch(/ERR_|Cannot find|is not defined/);
    expect(r.code, r.stderr).toBe(0);
    // The version, and nothing written into the folder it ran in.
    expect(r.stdout.trim()).toBe(manifest.version);
  });
});
