import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  runSession
} from "./chunk-LLQ7VGHH.js";
import "./chunk-NBNSFWGK.js";
import {
  Redactor
} from "./chunk-NX6JUITK.js";
import "./chunk-GZM7BHQG.js";
import "./chunk-KW6K4AAY.js";
import "./chunk-BWS4LX76.js";
import "./chunk-KVU4AOYW.js";
import "./chunk-VQUWAF73.js";
import "./chunk-KJRLVASL.js";
import {
  esm_default
} from "./chunk-N2QV4CYW.js";
import "./chunk-WQ37B3FA.js";

// src/demo/run.ts
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// src/demo/stack.ts
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
var run = promisify(execFile);
var IMAGE = "orixoon-demo:base";
var PROJECT = "orixoon-demo";
var PORTS = { redis: 56610, postgres: 55710, app: 58710 };
var PG_BIN = process.env.ORIXOON_PG_BIN ?? "/usr/lib/postgresql/15/bin";
var PG_PASSWORD = "demo-Secret-pw";
var NAMES = {
  redis: `${PROJECT}-redis`,
  db: `${PROJECT}-db`,
  app: `${PROJECT}-app`,
  worker: `${PROJECT}-worker`
};
async function docker(args, timeoutMs = 6e4) {
  const { stdout } = await run("docker", args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}
async function ensureImage() {
  try {
    await docker(["image", "inspect", IMAGE]);
    return;
  } catch {
  }
  await new Promise((resolve, reject) => {
    const p = spawn("docker", ["import", "-", IMAGE], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => err += d.toString());
    p.on("error", reject);
    p.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`docker import failed: ${err}`)));
    p.stdin.end(Buffer.alloc(10240));
  });
}
async function startService(s) {
  await docker(["rm", "-f", "-v", s.name]).catch(() => "");
  const args = ["run", "-d", "--name", s.name, "--network", "host", "--restart", "no"];
  for (const m of ["/usr:/usr:ro", "/lib:/lib:ro", "/lib64:/lib64:ro", "/bin:/bin:ro", "/sbin:/sbin:ro"])
    args.push("-v", m);
  if (s.withEtc) args.push("-v", "/etc:/etc:ro");
  for (const v of s.volumes ?? []) args.push("-v", v);
  args.push("--tmpfs", "/tmp");
  args.push(
    "--label",
    `com.docker.compose.project=${PROJECT}`,
    "--label",
    `com.docker.compose.service=${s.service}`
  );
  if (s.dependsOn?.length)
    args.push(
      "--label",
      `com.docker.compose.depends_on=${s.dependsOn.map((d) => `${d}:service_healthy:false`).join(",")}`
    );
  if (s.user) args.push("--user", s.user);
  if (s.health)
    args.push(
      "--health-cmd",
      s.health,
      "--health-interval",
      "2s",
      "--health-retries",
      "2",
      "--health-timeout",
      "3s"
    );
  args.push(IMAGE, ...s.cmd);
  await docker(args);
}
async function waitHealthy(name, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (; ; ) {
    const status = await docker([
      "inspect",
      "-f",
      "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
      name
    ]);
    if (status === "healthy" || status === "running") return;
    if (Date.now() > end)
      throw new Error(
        `demo container ${name} did not become healthy (last: ${status}); see docker logs ${name}`
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
var APP_SERVER = `
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
var PATTERNS = {
  patterns: [
    {
      name: "deprecated_config_field",
      regex: "config field '(max_conn)' is deprecated",
      severity: "error",
      description: "config/app.yml uses the deprecated field max_conn (renamed to max_connections)",
      fix: {
        type: "command",
        run: "sed -i 's/^max_conn:/max_connections:/' config/app.yml",
        backup: ["config/app.yml"],
        verify: "! grep -q '^max_conn:' config/app.yml",
        cwd: ".",
        timeout_seconds: 10
      }
    },
    {
      name: "module_not_found",
      regex: "ModuleNotFoundError|module not found",
      severity: "critical",
      fix: { type: "manual", advice: "Add the missing module to the image and rebuild it" }
    }
  ]
};
function demoConfig() {
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

// src/demo/run.ts
async function runDemo(o) {
  const say = o.io.out;
  say("\u25B6 Orixoon demo: starting a small stack in Docker (Redis, PostgreSQL, an HTTP app, a worker)...");
  await docker(["version", "--format", "{{.Server.Version}}"], 1e4).catch((e) => {
    throw new Error(
      `Docker is not reachable (${e.message.split("\n")[0]}): start the daemon (scripts/ci-setup.sh does) and retry`
    );
  });
  await ensureImage();
  const dataDir = join(tmpdir(), "orixoon-demo-pg");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(dataDir, "data"), { recursive: true });
  mkdirSync(join(dataDir, "run"), { recursive: true });
  writeFileSync(join(dataDir, "pw"), PG_PASSWORD);
  const [uid, gid] = (await run("id", ["-u", "postgres"]).then(async (u) => [
    u.stdout,
    (await run("id", ["-g", "postgres"])).stdout
  ])).map((s) => Number(s.trim()));
  for (const p of [dataDir, join(dataDir, "data"), join(dataDir, "run"), join(dataDir, "pw")])
    chownSync(p, uid, gid);
  let dir;
  try {
    return await runStack();
  } finally {
    if (!o.keep) {
      for (const n of Object.values(NAMES)) await docker(["rm", "-f", "-v", n]).catch(() => "");
      rmSync(dataDir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
      say("Demo stack removed (use --keep to leave it running).");
    }
  }
  async function runStack() {
    await startService({
      name: NAMES.redis,
      service: "redis",
      cmd: [
        "/usr/bin/redis-server",
        "--port",
        String(PORTS.redis),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory",
        "64mb"
      ],
      health: `/usr/bin/redis-cli -p ${PORTS.redis} ping | grep -q PONG`
    });
    await startService({
      name: NAMES.db,
      service: "db",
      user: `${uid}:${gid}`,
      withEtc: true,
      volumes: [`${dataDir}:/pgdata`, `${join(dataDir, "run")}:/pgrun`],
      cmd: [
        "/bin/sh",
        "-c",
        `[ -f /pgdata/data/PG_VERSION ] || ${PG_BIN}/initdb -D /pgdata/data -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile=/pgdata/pw >/dev/null; exec ${PG_BIN}/postgres -D /pgdata/data -p ${PORTS.postgres} -c listen_addresses=127.0.0.1 -c unix_socket_directories=/pgrun -c max_connections=30`
      ],
      health: `${PG_BIN}/pg_isready -h 127.0.0.1 -p ${PORTS.postgres}`
    });
    dir = mkdtempSync(join(tmpdir(), "orixoon-demo-"));
    mkdirSync(join(dir, "config"));
    writeFileSync(join(dir, "config", "app.yml"), "name: demo-app\nmax_conn: 20\n");
    writeFileSync(join(dir, "patterns.json"), JSON.stringify(PATTERNS, null, 2));
    await startService({
      name: NAMES.app,
      service: "app",
      dependsOn: ["db", "redis"],
      volumes: [`${dir}:/demo:ro`],
      cmd: ["/usr/bin/python3", "-c", APP_SERVER],
      // The container is healthy while its process listens; the endpoint's own answer is the http check's.
      health: `/usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', ${PORTS.app}), 2)"`
    });
    await startService({
      name: NAMES.worker,
      service: "worker",
      dependsOn: ["redis"],
      cmd: [
        "/bin/sh",
        "-c",
        `while true; do /usr/bin/redis-cli -p ${PORTS.redis} SET demo:worker:heartbeat $(date +%s) >/dev/null 2>&1; sleep 1; done`
      ]
    });
    for (const n of Object.values(NAMES)) await waitHealthy(n, 6e4);
    say("\u2713 Demo stack is up and healthy.");
    const dbUrl = `postgres://postgres:${encodeURIComponent(PG_PASSWORD)}@127.0.0.1:${PORTS.postgres}/postgres`;
    const admin = new esm_default.Client({ connectionString: dbUrl, connectionTimeoutMillis: 5e3 });
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
    say("");
    say(
      "\u25B6 Breaking it: Redis stopped, the worker paused, the app endpoint down, a deprecated config field, a transaction left open, 8 jobs stuck..."
    );
    const stuck = new esm_default.Client({
      connectionString: dbUrl,
      connectionTimeoutMillis: 5e3,
      application_name: "demo-forgotten-tx"
    });
    stuck.on("error", () => void 0);
    await stuck.connect();
    await stuck.query("BEGIN; UPDATE demo_jobs SET payload = payload WHERE id = 9;");
    await admin.end();
    await docker(["stop", "-t", "1", NAMES.redis]);
    await docker(["pause", NAMES.worker]);
    await docker(["exec", NAMES.app, "/bin/rm", "-f", "/tmp/ready"]);
    await new Promise((r) => setTimeout(r, 3500));
    say("");
    say("\u25B6 Running: orixoon check --auto-heal (config written to a temp folder)");
    const configPath = join(dir, "orixoon.yml");
    writeFileSync(configPath, demoConfig());
    const redactor = new Redactor();
    redactor.add(dbUrl);
    const result = await runSession({
      configPath,
      cwd: process.cwd(),
      env: { ...o.io.env, DEMO_DATABASE_URL: dbUrl },
      autoHeal: true,
      timeoutSeconds: o.timeoutSeconds,
      reportDir: "orixoon-reports",
      // A state store of its own in the demo's temp folder: the demo heals the same containers on
      // every run, and a kept history would hold the next demo back by the cross-run backoff.
      state: { path: join(dir, "state.db") },
      redactor,
      sinks: { line: (t) => say(t) }
    });
    await stuck.end().catch(() => void 0);
    say("");
    say(`Report: ${result.written.reportPath}`);
    say(`Healing log: ${result.written.logPath}`);
    return result.report.verdict === "blocked" ? 1 : 0;
  }
}
export {
  runDemo
};
