/* global console, performance */
// Orixoon's speed from process start to exit, measured on whole processes (`node dist/index.js` run the
// way the runner runs it, `node dist/cli.js`), each figure beside its baseline measured in the same run,
// and a final table. Prints figures; asserts only that each run did what it should (healed, passed,
// nothing lost), never a time.
//
//   flock /tmp/orixoon-docker.lock npm run bench [-- --runs 5 --keys 200000 --connections 300 --scale 20,100,500]
//
// It uses the shared Docker engine: hold the lock as above. Options:
//   --dist DIR        a built bundle to measure (default: the current sources, built into .tmp/bench-dist)
//   --runs N          rounds for the short runs (median of N, default 5)
//   --keys N          Redis keyspace for the flush (default 1,000,000: half expiring, the rest kept)
//   --connections N   idle PostgreSQL sessions to end (default 1,000)
//   --scale LIST      container counts for the scale runs (default 20,100,500)
//   --only LIST       sections: startup,heal,healthy,scale,hosts,redis,postgres,state (default all)
//   --actions N       recorded healing actions in the state store for `orixoon history` (default 100,000)
//
// The bundle keeps Node's compile cache in the temporary directory, so a second run on a machine starts
// faster: the start-up figures are given warm and on a fresh runner (NODE_DISABLE_COMPILE_CACHE=1), the
// case of a hosted GitHub runner, which starts every job on a new machine.
//
// Figures:
//   node start        `node -e 0`
//   --version         `node dist/cli.js --version`; target ≤ node start + 50 ms
//   first Docker call process start → first connection to the Docker socket (through a counting proxy)
//                     on the healthy stack; target ≤ 150 ms on an idle machine
//   stopped Redis     the action on a stopped Redis container behind a redis check with `container:`:
//                     whole run, start → first output line, "Report:" → exit; floor: `docker start` +
//                     `redis-cli ping` until PONG; target ≤ floor + node start + 250 ms
//   healthy stack     20 containers + PostgreSQL + Redis, whole action run; baseline: 20 × `docker
//                     inspect` + `psql` + `redis-cli ping` in sequence; target ≤ 0.3 × baseline
//   scale             20 / 100 / 500 container checks: whole run and peak memory (maxRSS)
//   engines           the healthy verdict over 3 engines × 20 containers (two more dockerds started
//                     for it, stopped after) vs one engine with 20; target ≤ 1.3 ×
//   Redis flush       `orixoon check --auto-heal` on a full Redis (redis_memory_full → flush_expiring_keys);
//                     baseline `redis-cli --scan` over the same keyspace; target ≤ 0.5 ×
//   PostgreSQL pool   `orixoon check --auto-heal` ending N idle sessions; baseline one `psql` running the
//                     raw pg_terminate_backend statement, until the sessions are gone; target ≤ 1.2 ×
//   history           `orixoon history --state FILE` (whole process) over N recorded actions in a SQLite
//                     state store; target ≤ 300 ms
//   recording a run   a fresh process opening the SQLite state store (node:sqlite loaded on the way),
//                     recording one run (22 checks, 2 actions) and closing it, timed inside the process
//                     from before the store's module is imported (zod, which every run loads, before
//                     that); into the filled store and into a new one; target ≤ 20 ms added to a run
import { randomUUID } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pLimit from 'p-limit';
import pg from 'pg';
import { importSources, root } from './bench-lib.mjs';

const exec = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    dist: { type: 'string' },
    runs: { type: 'string', default: '5' },
    keys: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '1000' },
    scale: { type: 'string', default: '20,100,500' },
    actions: { type: 'string', default: '100000' },
    only: { type: 'string', default: 'startup,heal,healthy,scale,hosts,redis,postgres,state' },
    verbose: { type: 'boolean', default: false },
    // Leaves the healthy stack and the work directory in place, to look at a run by hand.
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const KEYS = Number(args.keys);
const CONNECTIONS = Number(args.connections);
const SCALE = args.scale.split(',').map(Number);
const ACTIONS = Number(args.actions);
const ONLY = new Set(args.only.split(','));
const HEALTHY_CONTAINERS = 20;
// Its own suite label, so no test's clean-up removes the bench's containers (and the reverse).
const SUITE = 'perf-bench';
const PORTS = { healRedis: 57210, pg: 55460, redis: 56360, flushRedis: 56370, poolPg: 55470 };

mkdirSync(join(root, '.tmp'), { recursive: true });
const work = mkdtempSync(join(root, '.tmp', 'bench-'));
const dist = args.dist ? resolve(args.dist) : join(root, '.tmp', 'bench-dist');
if (!args.dist) {
  // The current sources, built the way `npm run build` builds them, into a directory of their own.
  await exec(process.execPath, [join(root, 'scripts', 'build.mjs'), '--outdir', dist, '--schema-out', join(work, 'schema.json')]);
}
const node = process.execPath;

const h = await importSources('orixoon-bench-', [
  "export { runContainer, startPostgres, startRedis, removeSuite, docker, waitFor, ensureFixtureImage, FIXTURE_IMAGE, TEST_LABEL } from './__tests__/helpers/docker.ts';",
  "export { startEngine } from './__tests__/helpers/engines.ts';",
]);

// ---------------------------------------------------------------------------------------------
// Measuring processes

/**
 * Runs a process to its exit: wall time from just before spawn to the 'exit' event, and each output
 * line (stdout and stderr) with the time it arrived.
 */
function timed(cmd, argv, opts = {}) {
  return new Promise((resolveRun, reject) => {
    const lines = [];
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: opts.cwd ?? work, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const collect = (stream, name) => {
      let partial = '';
      stream.on('data', (d) => {
        const t = performance.now() - t0;
        if (name === 'stdout') out.push(d);
        partial += d.toString();
        let nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
          lines.push({ t, text: partial.slice(0, nl), stream: name });
          partial = partial.slice(nl + 1);
        }
        opts.onData?.(d, t);
      });
    };
    collect(child.stdout, 'stdout');
    collect(child.stderr, 'stderr');
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = performance.now() - t0;
      // The pipes may still hold the last lines: wait for them, but the time is the exit's.
      let open = 2;
      const done = () => {
        if (--open > 0) return;
        resolveRun({ ms, code, signal, lines, stdout: Buffer.concat(out).toString(), t0 });
      };
      if (child.stdout.readableEnded) done();
      else child.stdout.once('close', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.once('close', done);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** The final table: one row per figure, with its baseline and ratio. */
const table = [];
function row(figure, value, baseline, ratio, target, ok) {
  table.push({ figure, value, baseline, ratio, target, ok });
}

function fail(what, r) {
  const tail = r.lines
    .slice(-15)
    .map((l) => `    ${l.text}`)
    .join('\n');
  throw new Error(`${what} (exit ${r.code})\n${tail}`);
}

/**
 * The action's environment, as the runner sets it (no GitHub token: nothing is published). `fresh`
 * turns Node's compile cache off: a hosted runner starts each job on a new machine, where the cache the
 * bundle keeps in the temporary directory is empty.
 */
function actionEnv(dir, inputs, fresh = false) {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_OUTPUT: join(dir, 'github_output'),
    GITHUB_STEP_SUMMARY: join(dir, 'step_summary'),
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SHA: 'a'.repeat(40),
    RUNNER_TEMP: dir,
    ...(fresh ? { NODE_DISABLE_COMPILE_CACHE: '1' } : {}),
  };
  writeFileSync(env.GITHUB_OUTPUT, '');
  writeFileSync(env.GITHUB_STEP_SUMMARY, '');
  // Each run its own new state store: rounds measure the same work, not a growing heal history
  // (a shared store would hold later rounds back by the cross-run backoff).
  const statePath = join(dir, `state-${randomUUID()}.db`);
  for (const [k, v] of Object.entries({ 'report-dir': 'reports', 'state-path': statePath, ...inputs }))
    env[`INPUT_${k.toUpperCase()}`] = v;
  return env;
}

function actionOutputs(dir) {
  const out = {};
  const text = readFileSync(join(dir, 'github_output'), 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3];
  return out;
}

/** A directory with `.github/orixoon.yml`. */
function workspace(name, yaml) {
  const dir = join(work, name);
  mkdirSync(join(dir, '.github'), { recursive: true });
  writeFileSync(join(dir, '.github', 'orixoon.yml'), yaml);
  return dir;
}

/** With --verbose, a run's output lines with the time each arrived. */
function show(r) {
  if (!args.verbose) return;
  for (const l of r.lines) if (!l.text.startsWith('::add-mask::')) console.log(`    ${ms(l.t).padStart(7)} ${l.text.slice(0, 150)}`);
  console.log(`    ${ms(r.ms).padStart(7)} exit ${r.code}`);
}

async function runAction(dir, inputs = {}, extraArgs = [], fresh = false) {
  const r = await timed(node, [...extraArgs, join(dist, 'index.js')], { cwd: dir, env: actionEnv(dir, inputs, fresh) });
  show(r);
  return { ...r, outputs: actionOutputs(dir) };
}

const nodeStart = () => timed(node, ['-e', '0']).then((r) => r.ms);

// ---------------------------------------------------------------------------------------------
// Sections

async function startup() {
  console.log(`\n== Cold start: node start, --version, --help (median of ${RUNS * 2}) ==`);
  const bare = [];
  const version = [];
  const help = [];
  for (let i = 0; i < RUNS * 2; i++) {
    bare.push(await nodeStart());
    const v = await timed(node, [join(dist, 'cli.js'), '--version']);
    if (v.code !== 0) fail('--version failed', v);
    version.push(v.ms);
    const hp = await timed(node, [join(dist, 'cli.js'), '--help']);
    if (hp.code !== 0) fail('--help failed', hp);
    help.push(hp.ms);
  }
  const n = median(bare);
  const v = median(version);
  console.log(`node -e 0: ${ms(n)}; --version: ${ms(v)} (+${ms(v - n)}); --help: ${ms(median(help))} (+${ms(median(help) - n)})`);
  row('`--version`', ms(v), `node start ${ms(n)}`, `+${ms(v - n)}`, '≤ node start + 50 ms', v - n <= 50);
  return n;
}

async function healStoppedRedis() {
  console.log(`\n== Stopped Redis → healed, the action as the runner runs it (${RUNS} rounds) ==`);
  const name = 'oxb-heal-redis';
  await h.startRedis({ name, port: PORTS.healRedis, suite: SUITE });
  await h.docker('update', '--restart', 'no', name);
  const dir = workspace(
    'heal',
    `phases:\n  - name: data\n    checks:\n      - { id: cache, type: redis, url: "redis://127.0.0.1:${PORTS.healRedis}/0", container: ${name} }\n`,
  );
  const rounds = [];
  for (let i = 0; i < RUNS; i++) {
    await h.docker('stop', '-t', '0', name);
    const bare = await nodeStart();
    const r = await runAction(dir, { 'auto-heal': 'true' });
    if (r.code !== 0 || r.outputs.status !== 'healed') fail('the action did not heal the stopped Redis', r);
    const report = r.lines.find((l) => l.text.startsWith('Report:'));
    const first = r.lines[0];
    // The same on a fresh runner: no compile cache.
    await h.docker('stop', '-t', '0', name);
    const cold = await runAction(dir, { 'auto-heal': 'true' }, [], true);
    if (cold.code !== 0 || cold.outputs.status !== 'healed') fail('the action did not heal the stopped Redis', cold);
    // The floor, same round: `docker start`, then `redis-cli ping` until the first PONG.
    await h.docker('stop', '-t', '0', name);
    const t0 = performance.now();
    const started = await timed('docker', ['start', name]);
    if (started.code !== 0) fail('docker start failed', started);
    let probes = 0;
    for (;;) {
      probes++;
      const p = await timed('redis-cli', ['-p', String(PORTS.healRedis), 'ping']);
      if (p.stdout.trim() === 'PONG') break;
    }
    const floor = performance.now() - t0;
    const round = { whole: r.ms, cold: cold.ms, first: first.t, reportToExit: r.ms - report.t, floor, bare, probes };
    rounds.push(round);
    console.log(
      `  round ${i + 1}: whole ${ms(round.whole)} (fresh runner ${ms(cold.ms)}), first line ${ms(round.first)}, Report: → exit ${ms(round.reportToExit)}; floor ${ms(floor)} (${probes} pings); node -e 0 ${ms(bare)}`,
    );
  }
  const m = (k) => median(rounds.map((r) => r[k]));
  const budget = m('floor') + m('bare') + 250;
  console.log(
    `median: whole ${ms(m('whole'))} (fresh runner ${ms(m('cold'))}) vs floor + node start + 250 ms = ${ms(budget)}; first line ${ms(m('first'))}; Report: → exit ${ms(m('reportToExit'))}`,
  );
  row('stopped Redis → healed, whole action run', ms(m('whole')), `floor ${ms(m('floor'))} + node ${ms(m('bare'))}`, `+${ms(m('whole') - m('floor') - m('bare'))}`, '≤ floor + node start + 250 ms', m('whole') <= budget);
  row('  the same on a fresh runner (no compile cache)', ms(m('cold')), `floor ${ms(m('floor'))} + node ${ms(m('bare'))}`, `+${ms(m('cold') - m('floor') - m('bare'))}`, '≤ floor + node start + 250 ms', m('cold') <= budget);
  row('"Report:" line → process exit', ms(m('reportToExit')), '0', '', '≈ 0', m('reportToExit') <= 50);
  row('process start → first output line', ms(m('first')), `node start ${ms(m('bare'))}`, `+${ms(m('first') - m('bare'))}`, '', true);
  await h.docker('rm', '-f', '-v', name);
}

/** A unix socket in front of the Docker socket that notes when the first connection arrives. */
async function dockerProxy() {
  const path = join(work, 'docker-proxy.sock');
  rmSync(path, { force: true });
  const state = { first: undefined };
  const server = createServer((client) => {
    state.first ??= performance.now();
    const upstream = createConnection('/var/run/docker.sock');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(path, r));
  return { path, state, close: () => new Promise((r) => server.close(r)) };
}

async function healthyStack() {
  console.log(`\n== Healthy stack: ${HEALTHY_CONTAINERS} containers + PostgreSQL + Redis (median of ${RUNS}) ==`);
  const names = Array.from({ length: HEALTHY_CONTAINERS }, (_, i) => `oxb-app-${String(i).padStart(2, '0')}`);
  const limit = pLimit(4);
  const [db, cache] = await Promise.all([
    h.startPostgres({ name: 'oxb-pg', port: PORTS.pg, suite: SUITE }),
    h.startRedis({ name: 'oxb-redis', port: PORTS.redis, suite: SUITE }),
    ...names.map((name) =>
      limit(() =>
        h.runContainer({ name, suite: SUITE, cmd: ['/bin/sleep', 'infinity'], health: { cmd: 'true', interval: '5s' }, memory: '64m' }),
      ),
    ),
  ]);
  for (const name of names) await h.waitFor(name, (i) => i.State.Health?.Status === 'healthy', 60_000);
  const checks = [
    ...names.map((n) => `      - { id: ${n}, type: container, container: ${n} }`),
    `      - { id: db, type: postgres, url: "${db.url}" }`,
    `      - { id: cache, type: redis, url: "${cache.url}" }`,
  ];
  const dir = workspace('healthy', `phases:\n  - name: stack\n    checks:\n${checks.join('\n')}\n`);

  // One run not measured: the stack (PostgreSQL's first checkpoint, the first health probes) settles.
  await new Promise((r) => setTimeout(r, 2000));
  const warmUp = await runAction(dir, {});
  if (warmUp.code !== 0 || warmUp.outputs.status !== 'passed') fail('the healthy stack did not pass', warmUp);
  const proxy = await dockerProxy();
  const whole = [];
  const wholeCold = [];
  const probes = [];
  const firstCall = [];
  const firstCallCold = [];
  const bare = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      bare.push(await nodeStart());
      const r = await runAction(dir, {});
      if (r.code !== 0 || r.outputs.status !== 'passed') fail('the healthy stack did not pass', r);
      whole.push(r.ms);
      const cold = await runAction(dir, {}, [], true);
      if (cold.code !== 0 || cold.outputs.status !== 'passed') fail('the healthy stack did not pass', cold);
      wholeCold.push(cold.ms);
      // Process start → first call to Docker: the same run through the counting proxy, with the
      // compile cache and on a fresh runner.
      for (const fresh of [false, true]) {
        proxy.state.first = undefined;
        const p = await runAction(dir, { 'docker-host': `unix://${proxy.path}` }, [], fresh);
        if (p.code !== 0 || proxy.state.first === undefined) fail('the run through the Docker proxy failed', p);
        (fresh ? firstCallCold : firstCall).push(proxy.state.first - p.t0);
      }
      // The baseline: the same facts asked one CLI process at a time.
      const t0 = performance.now();
      for (const n of names) {
        const c = await timed('docker', ['inspect', n]);
        if (c.code !== 0) fail(`docker inspect ${n} failed`, c);
      }
      const q = await timed('psql', [db.url, '-Atc', 'SELECT 1']);
      if (q.code !== 0) fail('psql failed', q);
      const rc = await timed('redis-cli', ['-p', String(PORTS.redis), 'ping']);
      if (rc.stdout.trim() !== 'PONG') fail('redis-cli ping failed', rc);
      probes.push(performance.now() - t0);
      console.log(
        `  round ${i + 1}: whole run ${ms(r.ms)} (fresh runner ${ms(cold.ms)}); sequential CLI probes ${ms(probes.at(-1))}; first Docker call ${ms(firstCall.at(-1))} (fresh runner ${ms(firstCallCold.at(-1))}); node -e 0 ${ms(bare.at(-1))}`,
      );
    }
  } finally {
    await proxy.close();
  }
  const w = median(whole);
  const s = median(probes);
  const f = median(firstCall);
  console.log(`median: whole run ${ms(w)} vs sequential probes ${ms(s)} = ${(w / s).toFixed(2)}×; first Docker call ${ms(f)} (node -e 0 ${ms(median(bare))}, load ${load()})`);
  row(`healthy stack (${HEALTHY_CONTAINERS} containers + PostgreSQL + Redis), whole run`, ms(w), `sequential CLI probes ${ms(s)}`, `${(w / s).toFixed(2)}×`, '≤ 0.3×', w / s <= 0.3);
  const wc = median(wholeCold);
  row('  the same on a fresh runner (no compile cache)', ms(wc), `sequential CLI probes ${ms(s)}`, `${(wc / s).toFixed(2)}×`, '≤ 0.3×', wc / s <= 0.3);
  row('process start → first call to Docker', ms(f), `node start ${ms(median(bare))}`, `+${ms(f - median(bare))}`, '≤ 150 ms (idle machine)', f <= 150);
  const fc = median(firstCallCold);
  row('  the same on a fresh runner (no compile cache)', ms(fc), `node start ${ms(median(bare))}`, `+${ms(fc - median(bare))}`, '≤ 150 ms (idle machine)', fc <= 150);
  if (args.keep) console.log(`  kept: ${dir}`);
  else await h.removeSuite(SUITE);
}

async function scale() {
  console.log(`\n== Scale: the healthy verdict with ${SCALE.join(', ')} container checks (median of 3) ==`);
  const api = new Dockerode();
  await h.ensureFixtureImage();
  const max = Math.max(...SCALE);
  const names = Array.from({ length: max }, (_, i) => `oxb-scale-${String(i).padStart(3, '0')}`);
  const limit = pLimit(8);
  const t0 = performance.now();
  await Promise.all(
    names.map((name) =>
      limit(async () => {
        const c = await api.createContainer({
          name,
          Image: h.FIXTURE_IMAGE,
          Cmd: ['/bin/sleep', 'infinity'],
          Labels: { [h.TEST_LABEL]: SUITE },
          HostConfig: {
            NetworkMode: 'host',
            Binds: ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro', '/bin:/bin:ro'],
            Memory: 64 * 1024 * 1024,
            MemorySwap: 64 * 1024 * 1024,
          },
        });
        await c.start();
      }),
    ),
  );
  console.log(`  started ${max} containers in ${ms(performance.now() - t0)}`);
  const rssFile = join(work, 'rss.txt');
  const preload = join(work, 'rss.mjs');
  // Peak memory of the run: its own maxRSS, written as it exits.
  writeFileSync(
    preload,
    `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const results = [];
  for (const n of SCALE) {
    const checks = names.slice(0, n).map((c) => `      - { id: ${c}, type: container, container: ${c} }`);
    const dir = workspace(`scale-${n}`, `phases:\n  - name: stack\n    checks:\n${checks.join('\n')}\n`);
    const times = [];
    const rss = [];
    for (let i = 0; i < 3; i++) {
      const r = await runAction(dir, {}, ['--import', preload]);
      if (r.code !== 0 || r.outputs.status !== 'passed') fail(`the ${n}-container run did not pass`, r);
      times.push(r.ms);
      rss.push(Number(readFileSync(rssFile, 'utf8')));
    }
    const res = { n, ms: median(times), rss: Math.max(...rss) };
    results.push(res);
    console.log(`  ${n} checks: ${ms(res.ms)} (${(res.ms / n).toFixed(1)} ms per check), peak RSS ${mb(res.rss)}`);
  }
  const base = results[0];
  for (const r of results.slice(1)) {
    const perCheck = (r.ms - base.ms) / (r.n - base.n);
    console.log(
      `  ${base.n} → ${r.n}: time ×${(r.ms / base.ms).toFixed(2)} for ×${(r.n / base.n).toFixed(0)} checks (${perCheck.toFixed(1)} ms per added check), memory ×${(r.rss / base.rss).toFixed(2)}`,
    );
  }
  for (const r of results)
    row(`scale: ${r.n} container checks, whole run / peak RSS`, `${ms(r.ms)} / ${mb(r.rss)}`, r === base ? '' : `${base.n} checks`, r === base ? '' : `×${(r.ms / base.ms).toFixed(2)} time, ×${(r.rss / base.rss).toFixed(2)} memory`, 'near linear', true);
  const t1 = performance.now();
  await Promise.all(names.map((name) => limit(() => api.getContainer(name).remove({ force: true, v: true }))));
  console.log(`  removed them in ${ms(performance.now() - t1)}`);
}

async function engines() {
  const PER = 20;
  console.log(`\n== Engines: the healthy verdict over 3 engines × ${PER} containers vs 1 engine × ${PER} (median of 3) ==`);
  await h.ensureFixtureImage();
  const extra = [];
  try {
    for (const prefix of ['oxbe1', 'oxbe2']) extra.push(await h.startEngine({ prefix }));
    const clis = [(...a) => h.docker(...a), ...extra.map((e) => e.docker)];
    const names = Array.from({ length: PER }, (_, i) => `oxb-host-${String(i).padStart(2, '0')}`);
    const binds = ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro', '/bin:/bin:ro'].flatMap((b) => ['-v', b]);
    const limit = pLimit(8);
    await Promise.all(
      clis.flatMap((cli) =>
        names.map((name) =>
          limit(() => cli('run', '-d', '--name', name, '--network', 'host', '--label', `${h.TEST_LABEL}=${SUITE}`, ...binds, h.FIXTURE_IMAGE, '/bin/sleep', 'infinity')),
        ),
      ),
    );
    // The same 20 checks on one engine, and on each of three engines (probed concurrently).
    const hostNames = ['a', 'b', 'c'];
    const sockets = ['unix:///var/run/docker.sock', ...extra.map((e) => e.socket)];
    const one = workspace('hosts-1', `phases:\n  - name: stack\n    checks:\n${names.map((c) => `      - { id: ${c}, type: container, container: ${c} }`).join('\n')}\n`);
    const hostsYaml = hostNames.map((n, i) => `      ${n}: { host: "${sockets[i]}" }`).join('\n');
    const checks = hostNames.flatMap((n) => names.map((c) => `      - { id: ${n}-${c}, type: container, container: ${c}, docker_host: ${n} }`));
    const three = workspace('hosts-3', `targets:\n  docker:\n    hosts:\n${hostsYaml}\nphases:\n  - name: stack\n    checks:\n${checks.join('\n')}\n`);
    const measure = async (dir, what) => {
      const times = [];
      for (let i = 0; i < 3; i++) {
        const r = await runAction(dir);
        if (r.code !== 0 || r.outputs.status !== 'passed') fail(`the ${what} run did not pass`, r);
        times.push(r.ms);
      }
      return median(times);
    };
    const base = await measure(one, '1-engine');
    const multi = await measure(three, '3-engine');
    const ratio = multi / base;
    console.log(`  1 engine × ${PER}: ${ms(base)}; 3 engines × ${PER}: ${ms(multi)} (×${ratio.toFixed(2)})`);
    row(`engines: 3 × ${PER} containers, healthy verdict`, ms(multi), `1 × ${PER}: ${ms(base)}`, `×${ratio.toFixed(2)}`, '≤ 1.3 ×', ratio <= 1.3);
  } finally {
    // Each extra engine goes with its containers and its directories.
    for (const e of extra) await e.stop();
  }
}

async function redisFlush() {
  console.log(`\n== Redis flush: ${KEYS.toLocaleString('en-US')} keys, half expiring (one run each) ==`);
  const r = await h.startRedis({ name: 'oxb-flush-redis', port: PORTS.flushRedis, suite: SUITE });
  const c = new Redis(r.url);
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
  // The baseline first: it only reads, so Orixoon then sees the very same keyspace.
  let listed = 0;
  const cli = await timed('redis-cli', ['-p', String(PORTS.flushRedis), '--scan'], {
    onData: (d) => {
      for (const b of d) if (b === 10) listed++;
    },
  });
  console.log(`  redis-cli --scan: ${listed.toLocaleString('en-US')} keys in ${ms(cli.ms)}`);

  // Full: memory as Redis counts it for maxmemory at about 97% of maxmemory (the check's memory_full_percent
  // is 95%). Set after the baseline's scan and measured again until it holds: the load's buffers and the
  // keyspace's rehashing release memory meanwhile.
  const counted = async () => {
    const info = await c.info('memory');
    const get = (k) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return get('used_memory') - get('mem_not_counted_for_evict');
  };
  let used = 0;
  let max = 0;
  for (let i = 0; i < 10; i++) {
    used = await counted();
    if (max && used / max >= 0.96 && used / max < 0.99) break;
    max = Math.floor(used / 0.97);
    await c.config('SET', 'maxmemory', String(max));
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(
    `  ${(await c.dbsize()).toLocaleString('en-US')} keys; maxmemory now ${(max / 1024 / 1024).toFixed(1)} MB, ${((used / max) * 100).toFixed(1)}% of it used`,
  );

  const dir = workspace('flush', `phases:\n  - name: data\n    checks:\n      - { id: cache, type: redis, url: "${r.url}" }\n`);
  const o = await timed(node, [join(dist, 'cli.js'), 'check', '--auto-heal', '--report-dir', 'reports', '--state', join(dir, `state-${randomUUID()}.db`)], { cwd: dir });
  show(o);
  if (o.code !== 0) fail('orixoon did not heal the full Redis', o);
  const reportPath = o.lines.find((l) => l.text.startsWith('Report:')).text.slice('Report: '.length);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const action = report.actions.find((a) => a.action === 'flush_expiring_keys');
  const left = await c.dbsize();
  let expLeft = 0;
  let cursor = '0';
  do {
    const [next, keys] = await c.scan(cursor, 'MATCH', 'exp:*', 'COUNT', 10_000);
    cursor = next;
    expLeft += keys.length;
  } while (cursor !== '0');
  if (left !== KEYS - expiring || expLeft !== 0)
    throw new Error(`flush lost or left keys: ${left} left (expected ${KEYS - expiring}), ${expLeft} expiring keys left`);
  console.log(
    `  orixoon check --auto-heal (whole process): ${ms(o.ms)}; the action with its re-test ${ms(action.durationMs)} (mode ${action.data?.sweep_mode}, ${Number(action.data?.keys_scanned).toLocaleString('en-US')} keys visited: ${action.details}); ${left.toLocaleString('en-US')} keys left, none lost`,
  );
  console.log(`  ratio whole process / redis-cli --scan: ${(o.ms / cli.ms).toFixed(2)}×`);
  row(`Redis flush (${(KEYS / 1000).toFixed(0)}k keys, half expiring), whole process`, ms(o.ms), `redis-cli --scan ${ms(cli.ms)}`, `${(o.ms / cli.ms).toFixed(2)}×`, '≤ 0.5×', o.ms / cli.ms <= 0.5);
  c.disconnect();
}

async function openIdle(url, n, applicationName) {
  const clients = [];
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, () => {
        const cl = new pg.Client({ connectionString: url, application_name: applicationName });
        cl.on('error', () => undefined);
        clients.push(cl);
        return cl.connect().then(() => cl.query('SELECT 1'));
      }),
    );
  }
  return clients;
}

async function countSessions(admin, applicationName) {
  const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return r.rows[0].n;
}

async function postgresPool() {
  console.log(`\n== PostgreSQL pool: ending ${CONNECTIONS} idle sessions (one run each) ==`);
  const db = await h.startPostgres({ name: 'oxb-pool-pg', port: PORTS.poolPg, suite: SUITE, maxConnections: CONNECTIONS + 50 });

  // (a) Orixoon, whole process.
  let idle = await openIdle(db.url, CONNECTIONS, 'bench-idle-a');
  await new Promise((r) => setTimeout(r, 700)); // idle longer than idle_minutes 0.01 (0.6 s)
  const dir = workspace(
    'pool',
    [
      'healing_actions:',
      `  db_pool_exhausted: { max_sessions_per_action: ${CONNECTIONS} }`,
      'protected: { database_users: [] }',
      'phases:',
      '  - name: data',
      '    checks:',
      `      - { id: db, type: postgres, url: "${db.url}", idle_minutes: 0.01, pool_threshold_percent: 50 }`,
      '',
    ].join('\n'),
  );
  const o = await timed(node, [join(dist, 'cli.js'), 'check', '--auto-heal', '--report-dir', 'reports', '--state', join(dir, `state-${randomUUID()}.db`)], { cwd: dir });
  show(o);
  // The bench's own session opens only now: Orixoon ends every idle session older than 0.6 s.
  const admin = new pg.Client({ connectionString: db.url, application_name: 'bench-admin' });
  admin.on('error', () => undefined);
  await admin.connect();
  const leftA = await countSessions(admin, 'bench-idle-a');
  if (o.code !== 0 || leftA !== 0) fail(`orixoon did not end the idle sessions (${leftA} left)`, o);
  const reportPath = o.lines.find((l) => l.text.startsWith('Report:')).text.slice('Report: '.length);
  const action = JSON.parse(readFileSync(reportPath, 'utf8')).actions.find((a) => a.action === 'terminate_idle_connections');
  console.log(`  orixoon check --auto-heal (whole process): ${ms(o.ms)}; the action itself ${ms(action.durationMs)} (${action.details})`);
  await Promise.allSettled(idle.map((cl) => cl.end()));

  // (b) One psql process running the raw statement, then until the sessions are gone.
  idle = await openIdle(db.url, CONNECTIONS, 'bench-idle-b');
  await new Promise((r) => setTimeout(r, 700));
  const t0 = performance.now();
  const q = await timed('psql', [
    db.url,
    '-Atc',
    `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'idle' AND application_name = 'bench-idle-b' AND state_change < clock_timestamp() - interval '0.6 seconds'`,
  ]);
  if (q.code !== 0) fail('psql failed', q);
  for (let delay = 5; (await countSessions(admin, 'bench-idle-b')) > 0; delay = Math.min(delay * 2, 50)) await new Promise((r) => setTimeout(r, delay));
  const raw = performance.now() - t0;
  console.log(`  psql pg_terminate_backend: ${ms(q.ms)} for ${q.stdout.trim()} sessions; ${ms(raw)} until all gone`);
  console.log(`  ratio whole process / raw statement until gone: ${(o.ms / raw).toFixed(2)}×; action / raw: ${(action.durationMs / raw).toFixed(2)}×`);
  row(`PostgreSQL: end ${CONNECTIONS} idle sessions, whole process`, ms(o.ms), `psql statement until gone ${ms(raw)}`, `${(o.ms / raw).toFixed(2)}×`, '≤ 1.2×', o.ms / raw <= 1.2);
  row(`PostgreSQL: the action alone (from report.json)`, ms(action.durationMs), `psql statement until gone ${ms(raw)}`, `${(action.durationMs / raw).toFixed(2)}×`, '≤ 1.2×', action.durationMs / raw <= 1.2);
  await Promise.allSettled(idle.map((cl) => cl.end()));
  await admin.end();
}

/** A run's recording as the action does it, in a process of its own: `node record.mjs STATE_FILE`. */
const RECORD_SCRIPT = `
// A run has zod loaded already (its config schema): only what the store adds is timed.
await import('zod');
const t0 = performance.now();
const { openStateStore } = await import(process.env.ORIXOON_STATE_MODULE);
const opened = await openStateStore({ config: { path: process.argv[2], required: true }, cwd: process.cwd() });
const t = Date.now();
const checks = Array.from({ length: 22 }, (_, i) => ({ checkId: 'app-' + i, status: i < 2 ? 'healed' : 'passed' }));
const events = [0, 1].map((i) => ({ at: t, checkId: 'app-' + i, target: 'app-' + i, host: '', code: 'container_not_running',
  action: 'start_container', outcome: 'healed', attempts: 1, durationMs: 300, error: null }));
await opened.store.recordRun({ repository: 'acme/shop', workflow: 'deploy', runId: 'r-' + t + '-' + process.pid, commit: null,
  startedAt: t, endedAt: t + 1, verdict: 'healed' }, checks, events);
await opened.store.close();
console.log(JSON.stringify({ ms: performance.now() - t0 }));
`;

async function stateStore() {
  console.log(`\n== State store: orixoon history over ${ACTIONS.toLocaleString('en')} recorded actions; recording a run (median of ${RUNS * 2}) ==`);
  // The store's module, bundled from the sources on its own (node_modules external), for the fill and
  // for the recording process.
  const { build } = await import('esbuild');
  const stateModule = join(work, 'state-module.mjs');
  await build({
    absWorkingDir: root, entryPoints: ['src/state/index.ts'], bundle: true, platform: 'node', format: 'esm',
    target: 'node24', packages: 'external', outfile: stateModule, logLevel: 'warning',
  });
  const { openStateStore } = await import(stateModule);
  const dir = join(work, 'state');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'state.db');
  // ACTIONS actions over 200 targets, 100 actions per recorded run, spread over the last 6 days.
  const t0 = performance.now();
  const opened = await openStateStore({ config: { path: file, required: true }, cwd: dir });
  const store = opened.store;
  const perRun = 100;
  const now = Date.now();
  const outcomes = ['healed', 'healed', 'healed', 'failed', 'skipped'];
  for (let r = 0; r * perRun < ACTIONS; r++) {
    const at = now - 6 * 86_400_000 + Math.floor((r * perRun * 6 * 86_400_000) / ACTIONS);
    const events = Array.from({ length: Math.min(perRun, ACTIONS - r * perRun) }, (_, j) => {
      const k = r * perRun + j;
      return { at, checkId: `app-${k % 200}`, target: `app-${k % 200}`, host: '', code: 'container_not_running',
        action: 'start_container', outcome: outcomes[k % outcomes.length], attempts: 1, durationMs: 200 + (k % 300), error: null };
    });
    const checks = [...new Set(events.map((e) => e.checkId))].map((checkId) => ({ checkId, status: 'healed' }));
    await store.recordRun({ repository: 'acme/shop', workflow: 'deploy', runId: `fill-${r}`, commit: null, startedAt: at, endedAt: at + 1, verdict: 'healed' }, checks, events);
  }
  await store.close();
  console.log(`  filled ${ACTIONS.toLocaleString('en')} actions in ${ms(performance.now() - t0)}`);

  const history = [];
  const text = [];
  const bare = [];
  const recordFresh = [];
  const recordFilled = [];
  const recorder = join(work, 'record.mjs');
  writeFileSync(recorder, RECORD_SCRIPT);
  const recEnv = { ...process.env, ORIXOON_STATE_MODULE: stateModule };
  for (let i = 0; i < RUNS * 2; i++) {
    bare.push(await nodeStart());
    const hj = await timed(node, [join(dist, 'cli.js'), 'history', '--state', file, '--json'], { cwd: dir });
    if (hj.code !== 0) fail('orixoon history --json failed', hj);
    const { targets } = JSON.parse(hj.stdout);
    if (!Array.isArray(targets) || targets.length !== 200) fail(`orixoon history listed ${targets?.length} targets, expected 200`, hj);
    history.push(hj.ms);
    const ht = await timed(node, [join(dist, 'cli.js'), 'history', '--state', file], { cwd: dir });
    if (ht.code !== 0) fail('orixoon history failed', ht);
    text.push(ht.ms);
    // Recording into the filled store, and into a new one (the first run on a runner).
    const rf = await timed(node, [recorder, file], { cwd: dir, env: recEnv });
    if (rf.code !== 0) fail('recording a run failed', rf);
    recordFilled.push(JSON.parse(rf.stdout).ms);
    const freshFile = join(dir, `fresh-${i}.db`);
    const rn = await timed(node, [recorder, freshFile], { cwd: dir, env: recEnv });
    if (rn.code !== 0) fail('recording a run failed', rn);
    recordFresh.push(JSON.parse(rn.stdout).ms);
  }
  const n = median(bare);
  console.log(`  orixoon history --json: ${ms(median(history))}; as text: ${ms(median(text))}; node -e 0 ${ms(n)}`);
  console.log(`  recording a run: into the filled store ${ms(median(recordFilled))}, into a new store ${ms(median(recordFresh))}`);
  row(`\`orixoon history\` over ${ACTIONS.toLocaleString('en')} actions, whole process`, ms(median(text)), `node start ${ms(n)}`, `+${ms(median(text) - n)}`, '≤ 300 ms', median(text) <= 300);
  row('  the same, --json', ms(median(history)), `node start ${ms(n)}`, `+${ms(median(history) - n)}`, '≤ 300 ms', median(history) <= 300);
  const rec = Math.max(median(recordFilled), median(recordFresh));
  row('recording a run in the state store (open, record, close)', `${ms(median(recordFilled))} (new store ${ms(median(recordFresh))})`, '', '', '≤ 20 ms added to a run', rec <= 20);
}

// ---------------------------------------------------------------------------------------------

console.log(`Orixoon bench: ${dist} on Node ${process.versions.node}, load average ${load()}`);
const started = performance.now();
try {
  await h.removeSuite(SUITE);
  if (ONLY.has('startup')) await startup();
  if (ONLY.has('heal')) await healStoppedRedis();
  if (ONLY.has('healthy')) await healthyStack();
  if (ONLY.has('redis')) await redisFlush();
  if (ONLY.has('postgres')) await postgresPool();
  if (ONLY.has('state')) await stateStore();
  // Last: starting and removing hundreds of containers keeps dockerd busy for minutes after (the vfs
  // driver deletes each container's layer copy), which would load the sections measured after it.
  if (ONLY.has('hosts')) await engines();
  if (ONLY.has('scale')) await scale();
} finally {
  if (!args.keep) {
    await h.removeSuite(SUITE);
    rmSync(work, { recursive: true, force: true });
  }
}

const cols = ['figure', 'value', 'baseline', 'ratio', 'target'];
const cells = table.map((r) => [r.figure, r.value, r.baseline, r.ratio, `${r.target}${r.target ? (r.ok ? ' ✓' : ' ✗') : ''}`]);
const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
const line = (xs) => `| ${xs.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
console.log(`\n== Summary (${ms(performance.now() - started)}, load average now ${load()}) ==`);
console.log(line(cols));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of cells) console.log(line(r));
