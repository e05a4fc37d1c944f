// The built bundle heals a stopped container without loading the Docker client library: the lease
// (a never-started container, created and removed) and the start go over plain HTTP on the socket,
// so dockerode and everything under it (ssh2, gRPC, protobuf: about 2 MB) stay on disk.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER } from '../helpers/docker.js';
import { librariesIn, writeLoadRecorder } from '../helpers/dist-loads.js';
import { tempDir } from '../helpers/engine.js';

const run = promisify(execFile);
const SUITE = 'dist-heal-clients';
const NAME = 'oxdh-stopped';

beforeAll(async () => {
  await removeSuite(SUITE);
});
afterAll(async () => {
  await removeSuite(SUITE);
});

it('starts a stopped container through the Docker API without loading dockerode, and removes its lease', async () => {
  await runContainer({ name: NAME, suite: SUITE, cmd: SLEEP_FOREVER });
  await docker('stop', '-t', '0', NAME);
  const dir = tempDir();
  writeFileSync(
    join(dir, 'orixoon.yml'),
    `phases:\n  - name: p\n    checks:\n      - { id: app, type: container, container: ${NAME} }\n`,
  );
  const hook = writeLoadRecorder(dir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
  const r = await run(
    process.execPath,
    [
      '--import',
      hook,
      resolve('dist/cli.js'),
      'check',
      '--auto-heal',
      '--config',
      'orixoon.yml',
      '--report-dir',
      'reports',
      '--state',
      join(dir, 'state.db'),
    ],
    { cwd: dir, env, timeout: 60_000 },
  );
  expect(r.stdout).toMatch(/Deployment: ALLOWED \(healed 1 finding\)/);
  expect((await inspect(NAME)).State.Running).toBe(true);
  const libraries = librariesIn(r.stderr);
  expect(libraries).not.toBeNull();
  expect(libraries).not.toContain('dockerode');
  expect(libraries).not.toContain('ssh2');
  expect(libraries).not.toContain('@grpc/grpc-js');
  // The lease container was made and removed again (its label names the lease).
  const leases = await docker('ps', '-aq', '--filter', 'label=orixoon.lease');
  expect(leases).toBe('');
}, 90_000);
