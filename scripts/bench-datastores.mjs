// Data-store healing speed against real servers in containers. Prints figures, asserts nothing.
//
//   node scripts/bench-datastores.mjs [--connections 1000] [--keys 1000000]
//
// Part 1: PostgreSQL (max_connections 1100) with 1,000 idle client sessions. (a) Orixoon's
// terminate_idle_connections remedy: pick, re-check (pid, backend_start, state_change) and signal in one
// statement, wait until the backends are gone, measure the pool again. (b) The floor: one raw
// `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE …` over the same kind of set, then the
// same wait until they are gone. Both from one run each; the ratio (a)/(b).
// Part 2: Redis with 1,000,000 keys (half expiring within the window, the rest without a TTL or with a
// long one). (a) Orixoon's flush_expiring_keys remedy (SCAN COUNT 1000; PTTL + UNLINK checked in one
// script call per batch). (b) `redis-cli --scan` over the same keyspace (it only lists keys: the floor
// for visiting them). Keys visited per second, and the ratio. The machine's load average is printed
// too: on a shared 2-core runner, figures from one run move with it.
//
// The TypeScript sources are bundled on the fly with esbuild (node_modules stay external), so this
// measures the code in src/, not a stale dist/.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { importSources, root } from './bench-lib.mjs';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: { connections: { type: 'string', default: '1000' }, keys: { type: 'string', default: '1000000' } },
});
const CONNECTIONS = Number(args.connections);
const KEYS = Number(args.keys);
const SUITE = 'datastore-bench';
const PG_PORT = 55450;
const REDIS_PORT = 56350;

const m = await importSources('oxd-bench-', [
  "export { postgresCheck } from './src/checks/postgres.ts';",
  "export { redisCheck } from './src/checks/redis.ts';",
  "export { postgresRemedies } from './src/healing/remedies/postgres.ts';",
  "export { redisRemedies } from './src/healing/remedies/redis.ts';",
  "export { startPostgres, startRedis, removeSuite } from './__tests__/helpers/docker.ts';",
  "export { remedyContext, testRunContext } from './__tests__/helpers/context.ts';",
]);

const fmt = (ms) => `${ms.toFixed(1)} ms`;
const rate = (n, ms) => Math.round(n / (ms / 1000)).toLocaleString('en-US');

function context(checkType, options, urls) {
  // Only the parts of a parsed config these checks and remedies read.
  const config = {
    healing_actions: { db_pool_exhausted: { max_sessions_per_action: CONNECTIONS } },
    protected: { containers: [], database_users: [], tables: [], redis_key_patterns: [] },
    auto_healing: { stabilization_timeout_seconds: 10 },
  };
  const { ctx, targets } = m.testRunContext({ ...urls, deadlineMs: 600_000, baseDir: root });
  const check = checkType.create(
    { id: 'bench', phase: 'bench', dependsOn: [], options: checkType.options.parse(options) },
    config,
  );
  const remedyCtx = (code) =>
    m.remedyContext(ctx, check, {
      timeoutMs: 300_000,
      protected: config.protected,
      actionConfig: config.healing_actions[code] ?? {},
    });
  return { ctx, check, remedyCtx, targets };
}

/** Opens `n` idle sessions, 50 at a time (SCRAM authentication is the slow part). */
async function openIdle(url, n, applicationName) {
  const clients = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => {
      const c = new pg.Client({ connectionString: url, application_name: applicationName });
      c.on('error', () => undefined);
      clients.push(c);
      return c.connect().then(() => c.query('SELECT 1'));
    });
    await Promise.all(batch);
  }
  return clients;
}

async function countSessions(admin, applicationName) {
  const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [
    applicationName,
  ]);
  return r.rows[0].n;
}

async function untilGone(admin, applicationName) {
  for (let delay = 5; (await countSessions(admin, applicationName)) > 0; delay = Math.min(delay * 2, 50)) {
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function benchPostgres() {
  console.log(`\n== PostgreSQL: ending ${CONNECTIONS.toLocaleString('en-US')} idle connections ==`);
  const db = await m.startPostgres({
    name: 'oxd-pg-bench',
    port: PG_PORT,
    suite: SUITE,
    maxConnections: CONNECTIONS + 100,
  });
  // (a) Orixoon's remedy (it ends every idle session older than 0.6 s, so the admin session comes after).
  let t0 = performance.now();
  let idle = await openIdle(db.url, CONNECTIONS, 'bench-idle-a');
  console.log(`opened ${idle.length} sessions in ${fmt(performance.now() - t0)}`);
  await new Promise((r) => setTimeout(r, 700)); // idle longer than idle_minutes 0.01 (0.6 s)
  const a = context(m.postgresCheck, { idle_minutes: 0.01 }, { postgresUrl: db.url });
  await a.targets.postgres().ping(); // the run's session exists before the action, as in a real run
  const finding = {
    code: 'db_pool_exhausted',
    checkId: 'bench',
    target: 'bench',
    targetKey: 'postgres:bench',
    message: 'bench',
    evidence: {},
    params: { idle_minutes: 0.01 },
  };
  t0 = performance.now();
  const result = await m.postgresRemedies
    .find((x) => x.action === 'terminate_idle_connections')
    .run(finding, a.remedyCtx('db_pool_exhausted'));
  const orixoonMs = performance.now() - t0;
  const admin = new pg.Client({ connectionString: db.url, application_name: 'bench-admin' });
  admin.on('error', () => undefined);
  await admin.connect();
  const leftA = await countSessions(admin, 'bench-idle-a');
  console.log(`(a) Orixoon terminate_idle_connections: ${fmt(orixoonMs)} — ${result.details}; ${leftA} left`);
  await Promise.allSettled(idle.map((c) => c.end()));
  await a.targets.close();

  // (b) One raw statement over the same kind of set, then the same wait until the backends are gone.
  idle = await openIdle(db.url, CONNECTIONS, 'bench-idle-b');
  await new Promise((r) => setTimeout(r, 700));
  t0 = performance.now();
  const raw = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE backend_type = 'client backend' AND state = 'idle' AND application_name = 'bench-idle-b'
       AND state_change < clock_timestamp() - interval '0.6 seconds' AND pid <> pg_backend_pid()`,
  );
  const statementMs = performance.now() - t0;
  await untilGone(admin, 'bench-idle-b');
  const rawMs = performance.now() - t0;
  console.log(
    `(b) raw pg_terminate_backend statement: ${fmt(statementMs)} for ${raw.rowCount} sessions; ${fmt(rawMs)} until all gone`,
  );
  console.log(
    `ratio (a)/(b, until gone): ${(orixoonMs / rawMs).toFixed(2)}×; (a)/(b, statement only): ${(orixoonMs / statementMs).toFixed(2)}×`,
  );
  await Promise.allSettled(idle.map((c) => c.end()));
  await admin.end();
}

async function benchRedis() {
  console.log(`\n== Redis: flushing expiring keys among ${KEYS.toLocaleString('en-US')} keys ==`);
  const r = await m.startRedis({ name: 'oxd-redis-bench', port: REDIS_PORT, suite: SUITE });
  const c = new Redis(r.url);
  let t0 = performance.now();
  const expiring = Math.floor(KEYS / 2);
  for (let i = 0; i < KEYS; i += 10_000) {
    const p = c.pipeline();
    for (let j = i; j < Math.min(KEYS, i + 10_000); j++) {
      if (j % 2 === 0) p.set(`exp:${j}`, 'v', 'EX', 120);
      else if (j % 10 === 1) p.set(`long:${j}`, 'v', 'EX', 86_400);
      else p.set(`keep:${j}`, 'v');
    }
    await p.exec();
  }
  console.log(`loaded ${(await c.dbsize()).toLocaleString('en-US')} keys in ${fmt(performance.now() - t0)}`);

  // (b) first: redis-cli only reads, so (a) then sees the very same keyspace.
  const t = performance.now();
  const { stdout } = await run('sh', ['-c', `redis-cli -p ${REDIS_PORT} --scan | wc -l`], {
    maxBuffer: 1 << 20,
  });
  const cli = { ms: performance.now() - t, keys: Number(stdout.trim()) };
  console.log(
    `(b) redis-cli --scan: ${cli.keys.toLocaleString('en-US')} keys in ${fmt(cli.ms)} = ${rate(cli.keys, cli.ms)} keys/s`,
  );

  const a = context(m.redisCheck, {}, { redisUrl: r.url });
  const finding = {
    code: 'redis_memory_full',
    checkId: 'bench',
    target: 'bench',
    targetKey: 'redis:bench',
    message: 'bench',
    evidence: {},
    params: { expiring_within_seconds: 300 },
  };
  t0 = performance.now();
  const result = await m.redisRemedies
    .find((x) => x.action === 'flush_expiring_keys')
    .run(finding, a.remedyCtx('redis_memory_full'));
  const ms = performance.now() - t0;
  const scanned = Number(result.data.keys_scanned);
  console.log(
    `(a) Orixoon flush_expiring_keys: visited ${scanned.toLocaleString('en-US')} keys, removed ${Number(result.data.keys_removed).toLocaleString('en-US')} (expected ${expiring.toLocaleString('en-US')}) in ${fmt(ms)} = ${rate(scanned, ms)} keys/s`,
  );
  console.log(
    `    ${(await c.dbsize()).toLocaleString('en-US')} keys left (every key without a TTL or with a long one)`,
  );
  console.log(
    `ratio keys/s (a)/(b): ${(scanned / ms / (cli.keys / cli.ms)).toFixed(2)}× (mode: ${result.data.sweep_mode})`,
  );
  await a.targets.close();
  c.disconnect();
}

console.log(
  `load average: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
try {
  await benchPostgres();
  await benchRedis();
} finally {
  await m.removeSuite(SUITE);
}
