/* global console, performance */
// Container healing speed on the real Docker engine. Prints figures, asserts nothing.
//
//   node scripts/bench-container.mjs [--runs 5] [--containers 20]
//
// Part 1: a stopped Redis container with a healthcheck. (a) Orixoon: start_container remedy, then the
// container check's verify (it runs the container's own healthcheck via exec as soon as Docker says
// running) until it passes. (b) The physical floor: `POST /containers/{id}/start`, then the same
// healthcheck probed back-to-back via exec until it first passes. Medians and their ratio.
// Part 2: 20 healthy containers: the wall time of all container checks run concurrently (what the
// verdict waits for) against the sum of the checks run one by one.
//
// The TypeScript sources are bundled on the fly with esbuild (node_modules stay external), so this
// measures the code in src/, not a stale dist/.
import { parseArgs } from 'node:util';
import Dockerode from 'dockerode';
import { importSources, root } from './bench-lib.mjs';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, containers: { type: 'string', default: '20' } },
});
const RUNS = Number(args.runs);
const MANY = Number(args.containers);
// Its own suite label, so the container tests' clean-up (suite `container`) never removes the bench's containers.
const SUITE = 'container-bench';
const REDIS_PORT = 57010;

const m = await importSources('oxc-bench-', [
  "export { containerCheck } from './src/checks/container.ts';",
  "export { checkOf, remedy, testRunContext } from './__tests__/helpers/context.ts';",
  "export { runContainer, startRedis, removeContainer, waitFor, docker } from './__tests__/helpers/docker.ts';",
]);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n) => `${n.toFixed(0)} ms`;

const makeCheck = (id, options) => m.checkOf(m.containerCheck, id, options, {}, 'bench');
const runContext = () => m.testRunContext({ deadlineMs: 600_000, baseDir: root });

/** Runs the healthcheck argv once via a raw exec and returns its exit code (no Orixoon code involved). */
async function probe(api, id, argv) {
  const ex = await api.getContainer(id).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  await new Promise((r) => {
    stream.on('data', () => {});
    stream.once('end', r);
    stream.once('close', r);
  });
  for (;;) {
    const info = await ex.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
  }
}

async function part1() {
  const name = 'oxc-bench-redis';
  await m.startRedis({ name, port: REDIS_PORT, suite: SUITE });
  await m.docker('update', '--restart', 'no', name);
  const api = new Dockerode();
  const info = await api.getContainer(name).inspect();
  const test = info.Config.Healthcheck.Test;
  const argv = test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1]] : test.slice(1);
  const check = makeCheck('redis', { container: name });
  const start = m.remedy('start_container');
  const { ctx, close } = runContext();
  const orixoon = [];
  const floor = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      // (a) Orixoon: detect nothing (the finding is built from the check), act, verify.
      await m.docker('stop', '-t', '5', name);
      const finding = (await check.run(ctx)).findings[0];
      if (finding?.code !== 'container_not_running')
        throw new Error(`expected container_not_running, got ${finding?.code}`);
      const remedyCtx = {
        ...ctx,
        check,
        timeoutMs: 30_000,
        protected: { containers: [], database_users: [], tables: [], redis_key_patterns: [] },
        actionConfig: {},
      };
      let t0 = performance.now();
      await start.run(finding, remedyCtx);
      const v = await check.verify(finding, ctx, 30_000);
      const a = performance.now() - t0;
      if (!v.ok) throw new Error(`verify failed: ${v.detail}`);
      orixoon.push(a);

      // (b) The floor: start, then probe back-to-back until the healthcheck first passes.
      await m.docker('stop', '-t', '5', name);
      t0 = performance.now();
      await api.getContainer(name).start();
      let probes = 0;
      while ((await probe(api, info.Id, argv)) !== 0) probes++;
      const b = performance.now() - t0;
      floor.push(b);
      console.log(`  run ${i + 1}: orixoon ${ms(a)} (${v.detail}), floor ${ms(b)} (${probes + 1} probes)`);
    }
  } finally {
    await close();
    await m.removeContainer(name);
  }
  const a = median(orixoon);
  const b = median(floor);
  console.log(`Part 1 — stopped container → verified healthy, median of ${RUNS}:`);
  console.log(`  orixoon (start_container + verify): ${ms(a)}`);
  console.log(`  floor (docker start + first passing probe): ${ms(b)}`);
  console.log(`  ratio: ${(a / b).toFixed(2)}x`);
}

async function part2() {
  const names = Array.from({ length: MANY }, (_, i) => `oxc-bench-h${String(i).padStart(2, '0')}`);
  await Promise.all(
    names.map((name) =>
      m.runContainer({
        name,
        suite: SUITE,
        cmd: ['/bin/sleep', 'infinity'],
        health: { cmd: 'true', interval: '1s' },
        memory: '64m',
      }),
    ),
  );
  for (const name of names) await m.waitFor(name, (i) => i.State.Health?.Status === 'healthy', 60_000);
  const checks = names.map((name) => makeCheck(name, { container: name }));
  const { ctx, close } = runContext();
  try {
    await Promise.all(checks.map((c) => c.run(ctx))); // warm-up: connection, JIT
    const walls = [];
    const sums = [];
    for (let r = 0; r < RUNS; r++) {
      let t0 = performance.now();
      const results = await Promise.all(checks.map((c) => c.run(ctx)));
      walls.push(performance.now() - t0);
      const bad = results.flatMap((x) => x.findings);
      if (bad.length) throw new Error(`expected all healthy, got ${bad.map((f) => f.message).join('; ')}`);
      let sum = 0;
      for (const c of checks) {
        t0 = performance.now();
        await c.run(ctx);
        sum += performance.now() - t0;
      }
      sums.push(sum);
    }
    const w = median(walls);
    const s = median(sums);
    console.log(`Part 2 — ${MANY} healthy containers, median of ${RUNS}:`);
    console.log(`  verdict time (all checks concurrently): ${ms(w)}`);
    console.log(`  sum of the checks run one by one: ${ms(s)} (${ms(s / MANY)} per check)`);
    console.log(`  concurrent / sum: ${(w / s).toFixed(2)}`);
  } finally {
    await close();
    await Promise.all(names.map((n) => m.removeContainer(n)));
  }
}

await part1();
await part2();
