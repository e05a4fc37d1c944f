// `orixoon demo`: starts a small stack in Docker (Redis, PostgreSQL with a job queue table, an HTTP
// app, a worker with a heartbeat), breaks it in the common ways, then runs a check-and-heal session
// against it so every phase of the default config fails and heals before your eyes.
//
// No image registry is needed: the image is an empty root filesystem and the containers run the
// host's own binaries (redis-server, postgres, python3), mounted read-only, on the host network.
import { execFile, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { CliIO } from './cli-io.js';
import { Redactor } from './support/redact.js';
import { runSession } from './session.js';

const run = promisify(execFile);
const IMAGE = 'orixoon-demo:base';
const PROJECT = 'orixoon-demo';
const PORTS = { redis: 56610, postgres: 55710, app: 58710 };
const PG_BIN = process.env.ORIXOON_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_PASSWORD = 'demo-Secret-pw';
const NAMES = {
  redis: `${PROJECT}-redis`,
  db: `${PROJECT}-db`,
  app: `${PROJECT}-app`,
  worker: `${PROJECT}-worker`,
};

async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function ensureImage(): Promise<void> {
  try {
    await docker(['image', 'inspect', IMAGE]);
    return;
  } catch {
    /* import it */
  }
  await new Promise<void>((resolve, reject) => {
    const p = spawn('docker', ['import', '-', IMAGE], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import failed: ${err}`))));
    p.stdin.end(Buffer.alloc(10240)); // an empty tar archive
  });
}

interface Service {
  name: string;
  service: string;
  cmd: string[];
  health?: string;
  dependsOn?: string[];
  user?: string;
  volumes?: string[];
  withEtc?: boolean;
}

async function startService(s: Service): Promise<void> {
  await docker(['rm', '-f', '-v', s.name]).catch(() => '');
  const args = ['run', '-d', '--name', s.name, '--network', 'host', '--restart', 'no'];
  for (const m of ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro', '/bin:/bin:ro', '/sbin:/sbin:ro'])
    args.push('-v', m);
  if (s.withEtc) args.push('-v', '/etc:/etc:ro');
  for (const v of s.volumes ?? []) args.push('-v', v);
  args.push('--tmpfs', '/tmp');
  args.push(
    '--label',
    `com.docker.compose.project=${PROJECT}`,
    '--label',
    `com.docker.compose.service=${s.service}`,
  );
  if (s.dependsOn?.length)
    args.push(
      '--label',
      `com.docker.compose.depends_on=${s.dependsOn.map((d) => `${d}:service_healthy:false`).join(',')}`,
    );
  if (s.user) args.push('--user', s.user);
  if (s.health)
    args.push(
      '--health-cmd',
      s.health,
      '--health-interval',
      '2s',
      '--health-retries',
      '2',
      '--health-timeout',
      '3s',
    );
  args.push(IMAGE, ...s.cmd);
  await docker(args);
}

async function waitHealthy(name: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = await docker([
      'inspect',
      '-f',
      '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}',
      name,
    ]);
    if (status === 'healthy' || status === 'running') return;
    if (Date.now() > end)
      throw new Error(
        `demo container ${name} did not become healthy (last: ${status}); see docker logs ${name}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The app reads its config at start (logging an error for a deprecated field, a known pattern) and
// serves /health from a readiness flag in its tmpfs: removing the flag breaks the endpoint while the
// process stays up, and only a restart brings it back.
const APP_SERVER = `
import http.server, os, signal, sys
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
READY = '/tmp/ready'
open(READY, 'w').close()
try:
    if 'max_conn:' in open('/demo/config/app.yml').read():
        print("ERROR config field 'max_conn' is deprecated: use max_connections", flush=True)
except OSError as e:
    print('ERROR cannot read config: %s' % e, flush=True)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = os.path.exists(READY)
        self.send_response(200 if ok else 503)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if ok else b'{"status": "down"}')
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', ${PORTS.app}), H).serve_forever()
`;

const PATTERNS = {
  patterns: [
    {
      name: 'deprecated_config_field',
      regex: "config field '(max_conn)' is deprecated",
      severity: 'error',
      description: 'config/app.yml uses the deprecated field max_conn (renamed to max_connections)',
      fix: {
        type: 'command',
        run: "sed -i 's/^max_conn:/max_connections:/' config/app.yml",
        backup: ['config/app.yml'],
        verify: "! grep -q '^max_conn:' config/app.yml",
        cwd: '.',
        timeout_seconds: 10,
      },
    },
    {
      name: 'module_not_found',
      regex: 'ModuleNotFoundError|module not found',
      severity: 'critical',
      fix: { type: 'manual', advice: 'Add the missing module to the image and rebuild it' },
    },
  ],
};

export function demoConfig(): string {
  return `# The demo stack's config: the default phases.
version: 2
targets:
  postgres: { url: "\${DEMO_DATABASE_URL}" }
  redis: { url: "redis://127.0.0.1:${PORTS.redis}/0" }
auto_healing: { retry_delay_seconds: 1, stabilization_timeout_seconds: 10 }
safety_limits: { cooldown_seconds: 5, max_failing_services: 0 }
phases:
  - name: infrastructure
    checks:
      - { id: redis, type: container, container: ${NAMES.redis} }
      - { id: db-container, type: container, container: ${NAMES.db} }
      - { id: app, type: container, container: ${NAMES.app}, depends_on: [db-container, redis] }
  - name: data
    checks:
      - { id: db, type: postgres, container: ${NAMES.db}, idle_transaction_minutes: 0.05 }
      - { id: cache, type: redis, container: ${NAMES.redis} }
  - name: workers
    checks:
      - id: worker
        type: worker
        container: ${NAMES.worker}
        heartbeat: { redis_key: "demo:worker:heartbeat", max_age_seconds: 10 }
  - name: integrations
    checks:
      - { id: jobs, type: queue, table: demo_jobs, dead_letter_table: demo_jobs_dlq, stuck_after_minutes: 1, max_stuck: 3, max_attempts: 3 }
  - name: application
    checks:
      - { id: app-logs, type: logs, container: ${NAMES.app}, window_minutes: 10, patterns_file: patterns.json }
      - { id: api, type: http, url: "http://127.0.0.1:${PORTS.app}/health", container: ${NAMES.app}, json: { status: ok } }
`;
}

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
