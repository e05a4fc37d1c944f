// `orixoon demo`: starts a small stack in Docker (Redis, PostgreSQL with a job queue table, an HTTP
// app, a worker with a heartbeat), breaks it in the common ways, then runs a check-and-heal session
// against it so every phase of the default config fails and heals before your eyes.
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { CliIO } from '../cli/io.js';
import { Redactor } from '../support/redact.js';
import { runSession } from '../session.js';
import {
  APP_SERVER,
  demoConfig,
  docker,
  ensureImage,
  NAMES,
  PATTERNS,
  PG_BIN,
  PG_PASSWORD,
  PORTS,
  run,
  startService,
  waitHealthy,
} from './stack.js';

export async function runDemo(o: { io: CliIO; keep: boolean; timeoutSeconds: number }): Promise<number> {
  const say = o.io.out;
  say('▶ Orixoon demo: starting a small stack in Docker (Redis, PostgreSQL, an HTTP app, a worker)...');
  await docker(['version', '--format', '{{.Server.Version}}'], 10_000).catch((e: Error) => {
    throw new Error(
      `Docker is not reachable (${e.message.split('\n')[0]}): start the daemon (scripts/ci-setup.sh does) and retry`,
    );
  });
  await ensureImage();

  const dataDir = join(tmpdir(), 'orixoon-demo-pg');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, 'data'), { recursive: true });
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  writeFileSync(join(dataDir, 'pw'), PG_PASSWORD);
  const [uid, gid] = (
    await run('id', ['-u', 'postgres']).then(async (u) => [
      u.stdout,
      (await run('id', ['-g', 'postgres'])).stdout,
    ])
  ).map((s) => Number(s.trim()));
  for (const p of [dataDir, join(dataDir, 'data'), join(dataDir, 'run'), join(dataDir, 'pw')])
    chownSync(p, uid!, gid!);

  let dir: string | undefined;
  try {
    return await runStack();
  } finally {
    // Also after a failure: a half-started demo must not be left behind (unless --keep).
    if (!o.keep) {
      for (const n of Object.values(NAMES)) await docker(['rm', '-f', '-v', n]).catch(() => '');
      rmSync(dataDir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
      say('Demo stack removed (use --keep to leave it running).');
    }
  }

  async function runStack(): Promise<number> {
    await startService({
      name: NAMES.redis,
      service: 'redis',
      cmd: [
        '/usr/bin/redis-server',
        '--port',
        String(PORTS.redis),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory',
        '64mb',
      ],
      health: `/usr/bin/redis-cli -p ${PORTS.redis} ping | grep -q PONG`,
    });
    await startService({
      name: NAMES.db,
      service: 'db',
      user: `${uid}:${gid}`,
      withEtc: true,
      volumes: [`${dataDir}:/pgdata`, `${join(dataDir, 'run')}:/pgrun`],
      cmd: [
        '/bin/sh',
        '-c',
        `[ -f /pgdata/data/PG_VERSION ] || ${PG_BIN}/initdb -D /pgdata/data -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=/pgdata/pw >/dev/null; ` +
          `exec ${PG_BIN}/postgres -D /pgdata/data -p ${PORTS.postgres} -c listen_addresses=127.0.0.1 -c unix_socket_directories=/pgrun -c max_connections=30`,
      ],
      health: `${PG_BIN}/pg_isready -h 127.0.0.1 -p ${PORTS.postgres}`,
    });
    // The demo's own folder holds the app's config and the pattern file (the pattern fix edits it).
    dir = mkdtempSync(join(tmpdir(), 'orixoon-demo-'));
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'app.yml'), 'name: demo-app\nmax_conn: 20\n');
    writeFileSync(join(dir, 'patterns.json'), JSON.stringify(PATTERNS, null, 2));
    await startService({
      name: NAMES.app,
      service: 'app',
      dependsOn: ['db', 'redis'],
      volumes: [`${dir}:/demo:ro`],
      cmd: ['/usr/bin/python3', '-c', APP_SERVER],
      // The container is healthy while its process listens; the endpoint's own answer is the http check's.
      health: `/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', ${PORTS.app}), 2)"`,
    });
    await startService({
      name: NAMES.worker,
      service: 'worker',
      dependsOn: ['redis'],
      cmd: [
        '/bin/sh',
        '-c',
        `while true; do /usr/bin/redis-cli -p ${PORTS.redis} SET demo:worker:heartbeat $(date +%s) >/dev/null 2>&1; sleep 1; done`,
      ],
    });
    for (const n of Object.values(NAMES)) await waitHealthy(n, 60_000);
    say('✓ Demo stack is up and healthy.');

    const dbUrl = `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${PORTS.postgres}/postgres`;
    const admin = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 5000 });
    await admin.connect();
    await admin.query(`
    DROP TABLE IF EXISTS demo_jobs, demo_jobs_dlq;
    CREATE TABLE demo_jobs (id serial PRIMARY KEY, payload text, status text NOT NULL DEFAULT 'pending',
      attempts int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE demo_jobs_dlq (LIKE demo_jobs);
    INSERT INTO demo_jobs (payload, status, attempts, created_at, updated_at)
      SELECT 'invoice-' || g, CASE WHEN g % 2 = 0 THEN 'failed' ELSE 'processing' END, CASE WHEN g <= 2 THEN 5 ELSE 1 END,
             now() - interval '2 hours', now() - interval '2 hours' FROM generate_series(1, 8) g;
    INSERT INTO demo_jobs (payload) SELECT 'order-' || g FROM generate_series(1, 5) g;`);

    say('');
    say(
      '▶ Breaking it: Redis stopped, the worker paused, the app endpoint down, a deprecated config field, a transaction left open, 8 jobs stuck...',
    );
    // A session left idle in a transaction, holding a row lock (the classic forgotten BEGIN).
    const stuck = new pg.Client({
      connectionString: dbUrl,
      connectionTimeoutMillis: 5000,
      application_name: 'demo-forgotten-tx',
    });
    stuck.on('error', () => undefined); // Orixoon terminates it: expected.
    await stuck.connect();
    await stuck.query('BEGIN; UPDATE demo_jobs SET payload = payload WHERE id = 9;');
    await admin.end();
    await docker(['stop', '-t', '1', NAMES.redis]);
    await docker(['pause', NAMES.worker]);
    await docker(['exec', NAMES.app, '/bin/rm', '-f', '/tmp/ready']);
    // Let the transaction age past the demo threshold (3 s).
    await new Promise((r) => setTimeout(r, 3500));

    say('');
    say('▶ Running: orixoon check --auto-heal (config written to a temp folder)');
    const configPath = join(dir, 'orixoon.yml');
    writeFileSync(configPath, demoConfig());
    const redactor = new Redactor();
    redactor.add(dbUrl);
    const result = await runSession({
      configPath,
      cwd: process.cwd(),
      env: { ...o.io.env, DEMO_DATABASE_URL: dbUrl },
      autoHeal: true,
      timeoutSeconds: o.timeoutSeconds,
      reportDir: 'orixoon-reports',
      // A state store of its own in the demo's temp folder: the demo heals the same containers on
      // every run, and a kept history would hold the next demo back by the cross-run backoff.
      state: { path: join(dir, 'state.db') },
      redactor,
      sinks: { line: (t) => say(t) },
    });
    await stuck.end().catch(() => undefined);
    say('');
    say(`Report: ${result.written.reportPath}`);
    say(`Healing log: ${result.written.logPath}`);
    return result.report.verdict === 'blocked' ? 1 : 0;
  }
}
