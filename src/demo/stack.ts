// The demo's embedded stack: what its containers run and how they are started, and its config.
//
// No image registry is needed: the image is an empty root filesystem and the containers run the
// host's own binaries (redis-server, postgres, python3), mounted read-only, on the host network.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

export const run = promisify(execFile);
const IMAGE = 'orixoon-demo:base';
const PROJECT = 'orixoon-demo';
export const PORTS = { redis: 56610, postgres: 55710, app: 58710 };
export const PG_BIN = process.env.ORIXOON_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const PG_PASSWORD = 'demo-Secret-pw';
export const NAMES = {
  redis: `${PROJECT}-redis`,
  db: `${PROJECT}-db`,
  app: `${PROJECT}-app`,
  worker: `${PROJECT}-worker`,
};

export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

export async function ensureImage(): Promise<void> {
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

export interface Service {
  name: string;
  service: string;
  cmd: string[];
  health?: string;
  dependsOn?: string[];
  user?: string;
  volumes?: string[];
  withEtc?: boolean;
}

export async function startService(s: Service): Promise<void> {
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

export async function waitHealthy(name: string, timeoutMs: number): Promise<void> {
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
export const APP_SERVER = `
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

export const PATTERNS = {
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
