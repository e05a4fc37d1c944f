// The built action ends as soon as its report is written: once the "Report:" line is out, nothing it
// opened (a socket, a timer, a stream, a notification) may keep the process alive. A preload notes what
// still holds the event loop a few turns after that line (stdio pipes aside); it must be nothing.
// Runs `node dist/index.js` the way the runner does (`npm run build` first).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  docker,
  inspect,
  removeSuite,
  runContainer,
  SLEEP_FOREVER,
  startPostgres,
  startRedis,
} from '../helpers/docker.js';
import { tempDir } from '../helpers/engine.js';
import { WebhookServer } from '../helpers/webhook-server.js';

const SUITE = 'action-exit';
const REDIS_PORT = 57220;
const PG_PORT = 55480;

beforeAll(() => removeSuite(SUITE));
afterAll(() => removeSuite(SUITE));

/**
 * Prints what keeps the process alive, a few event-loop turns after the "Report:" line, or when the
 * process exits if that comes first (the entry ends with a bounded exit once its output is flushed:
 * whatever is still open then would have held a process that relied on its handles closing).
 */
const PRELOAD = `
import { writeSync } from 'node:fs';
let said = false;
// Never holding a process: the console pipes, a close already under way, this probe's own immediates.
// (The watchdog process is unref'd and killed by the guard's dispose(), so it is not listed at all.)
const HARMLESS = new Set(['PipeWrap', 'TTYWrap', 'CloseReq', 'Immediate']);
const say = () => {
  if (said) return;
  said = true;
  const alive = process.getActiveResourcesInfo().filter((x) => !HARMLESS.has(x));
  writeSync(2, 'STILL-ALIVE ' + JSON.stringify(alive) + '\\n');
};
let reported = false;
process.on('exit', () => reported && say());
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const r = write(chunk, ...rest);
  if (String(chunk).startsWith('Report:')) {
    reported = true;
    const later = (n, f) => (n ? setImmediate(() => later(n - 1, f)) : f());
    later(3, say);
  }
  return r;
};
`;

/** Runs the action to its exit (not spawnSync: the webhook receiver in this process must answer meanwhile). */
async function runAction(dir: string, yaml: string, inputs: Record<string, string>) {
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, '.github/orixoon.yml'), yaml);
  const preload = join(dir, 'still-alive.mjs');
  writeFileSync(preload, PRELOAD);
  const output = join(dir, 'github_output');
  writeFileSync(output, '');
  writeFileSync(join(dir, 'step_summary'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(dir, 'step_summary'),
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SHA: 'a'.repeat(40),
    RUNNER_TEMP: dir,
    'INPUT_REPORT-DIR': 'out',
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, ['--import', preload, join(__dirname, '../../dist/index.js')], {
    cwd: dir,
    env,
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const r = { status: code, stdout, stderr };
  const status = /^status<<(\S+)\n([\s\S]*?)\n\1$/m.exec(readFileSync(output, 'utf8'))?.[2];
  const alive = /^STILL-ALIVE (.*)$/m.exec(r.stderr)?.[1];
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, status, alive };
}

test('a stopped Redis healed by starting its container: nothing holds the process after the report, notifications included', async () => {
  const name = 'oxe-exit-redis';
  await startRedis({ name, port: REDIS_PORT, suite: SUITE });
  await docker('update', '--restart', 'no', name);
  await docker('stop', '-t', '0', name);
  const hook = await new WebhookServer().start();
  try {
    const r = await runAction(
      tempDir(),
      [
        `notifications: { webhook_url: "${hook.url}", notify_on_healing_attempt: true }`,
        'phases:',
        '  - name: data',
        '    checks:',
        `      - { id: cache, type: redis, url: "redis://127.0.0.1:${REDIS_PORT}/0", container: ${name} }`,
        '',
      ].join('\n'),
      { 'auto-heal': 'true' },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.status).toBe('healed');
    expect(r.alive, r.stderr).toBe('[]');
    expect((await inspect(name)).State.Running).toBe(true);
    expect(hook.received.map((h) => (h.json as { event: string }).event)).toEqual([
      'healing_attempt',
      'healing_success',
    ]);
  } finally {
    await hook.stop();
  }
});

test('a healthy stack (container, PostgreSQL, Redis): nothing holds the process after the report', async () => {
  await runContainer({ name: 'oxe-exit-app', suite: SUITE, cmd: SLEEP_FOREVER, memory: '64m' });
  const [db, cache] = await Promise.all([
    startPostgres({ name: 'oxe-exit-pg', port: PG_PORT, suite: SUITE }),
    startRedis({ name: 'oxe-exit-redis', port: REDIS_PORT, suite: SUITE }),
  ]);
  const r = await runAction(
    tempDir(),
    [
      'phases:',
      '  - name: stack',
      '    checks:',
      '      - { id: app, type: container, container: oxe-exit-app }',
      `      - { id: db, type: postgres, url: "${db.url}" }`,
      `      - { id: cache, type: redis, url: "${cache.url}" }`,
      '',
    ].join('\n'),
    {},
  );
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.status).toBe('passed');
  expect(r.alive, r.stderr).toBe('[]');
});
