// The action's run-time guarantees with real processes and the local fake GitHub API: a GitHub that
// never answers cannot hold the run past its deadline; an unexpected error anywhere still ends the
// run blocked with outputs, job summary, report.json and a completed check run; a report-dir that
// cannot be written is bad input (nothing checked); and a main thread stuck in a synchronous loop is
// ended by the watchdog process with a minimal blocked report.
// First: registers the test-probe check type before anything loads the config schema.
import { probes } from './probe-check-type.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { CheckResult } from '../../src/core/types.js';
import { ACTIONS_TOKEN, HEAD_SHA, prEnv, useFakeGitHub } from '../helpers/github-server.js';
import { tempDir } from '../helpers/engine.js';
import {
  actionEnv,
  liveGroupMembers,
  NodeProcess,
  onlyReport,
  readCommandFile,
  requireDist,
  waitFor,
} from './process-support.js';

const gh = useFakeGitHub();
const started: NodeProcess[] = [];
beforeAll(() => requireDist());
afterEach(() => {
  for (const p of started.splice(0)) p.stop();
});

function start(entry: string, dir: string, env: NodeJS.ProcessEnv): NodeProcess {
  const p = new NodeProcess(entry, [], { cwd: dir, env });
  started.push(p);
  return p;
}

const checkRunOf = (sha: string) => [...gh.checkRuns.values()].filter((r) => r.head_sha === sha);

describe('GitHub inside the deadline', () => {
  test('a GitHub API that never answers: the run ends within timeout-seconds + grace, reports written, verdict as the checks say', async () => {
    for (const g of [
      'user',
      'comments:read',
      'comments:write',
      'permission',
      'checks',
      'statuses',
      'pulls',
    ] as const)
      gh.hanging.add(g);
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orixoon.yml'),
      [
        'phases:',
        '  - name: p',
        '    checks:',
        '      - { id: fine, type: command, run: "true" }',
        // High risk: its approval is looked up in the PR's comments, on the silent API too.
        `      - { id: risky, type: command, run: "test -f ${dir}/ok", heal: "touch ${dir}/ok", risk: high }`,
        '',
      ].join('\n'),
    );
    const { env, files } = actionEnv(
      dir,
      {
        config: 'orixoon.yml',
        'report-dir': 'reports',
        'github-token': ACTIONS_TOKEN,
        'check-run': 'true',
        comment: 'always',
        'timeout-seconds': '10',
      },
      prEnv(gh),
    );
    const t0 = Date.now();
    const action = start('index.js', dir, env);
    const exit = await action.exited;
    const elapsed = exit.at - t0;
    console.log(`silent GitHub API, timeout-seconds 10: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(10_000 + 5_000);
    expect(exit.code, action.stdout).toBe(1);
    const outputs = readCommandFile(files.output);
    expect(outputs.status).toBe('blocked');
    const { report } = onlyReport(join(dir, 'reports'));
    expect(report.interrupted).toBeUndefined();
    expect(report.findings.map((f) => [f.checkId, f.outcome])).toEqual([['risky', 'awaiting_approval']]);
    expect(report.phases[0]!.checks.find((c) => c.id === 'fine')!.status).toBe('passed');
    expect(existsSync(join(dir, 'ok'))).toBe(false);
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toMatch(/no answer within|GitHub did not answer/);
    expect(gh.find('POST', /check-runs$/).length).toBeGreaterThan(0);
  }, 60_000);
});

describe('unexpected errors end the run blocked, with every report', () => {
  // In-process (main.ts's run, as dist/index.js calls it), so a check type that misbehaves can be
  // registered. @actions/core keeps the summary file it first wrote: one file for these tests.
  const summaryFile = join(tempDir(), 'step_summary');

  async function runAction(checkId: string) {
    const { run } = await import('../../src/main.js');
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orixoon.yml'),
      `phases:\n  - name: p\n    checks:\n      - { id: ${checkId}, type: test-probe }\n`,
    );
    const { env, files } = actionEnv(
      dir,
      {
        config: join(dir, 'orixoon.yml'),
        'report-dir': join(dir, 'reports'),
        'github-token': ACTIONS_TOKEN,
        'check-run': 'true',
        comment: 'never',
      },
      { ...prEnv(gh), GITHUB_STEP_SUMMARY: summaryFile },
    );
    writeFileSync(summaryFile, '');
    const saved = process.env;
    process.env = env;
    try {
      await run(env);
    } finally {
      process.env = saved;
    }
    const exitCode = process.exitCode;
    process.exitCode = 0;
    return { dir, files, exitCode, summary: readFileSync(summaryFile, 'utf8') };
  }

  test('inside the engine (a check that returns nothing): outputs, summary, report.json blocked, exit 1, check run completed', async () => {
    probes.set('hollow', { run: async () => null as unknown as CheckResult });
    const before = checkRunOf(HEAD_SHA).length;
    const r = await runAction('hollow');
    expect(r.exitCode).toBe(1);
    const outputs = readCommandFile(r.files.output);
    expect(outputs.status).toBe('blocked');
    const report = JSON.parse(readFileSync(outputs.report!, 'utf8'));
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted.reason).toBe('error');
    expect(report.headline).toMatch(/^Deployment: BLOCKED \(unexpected error: /);
    expect(r.summary).toMatch(/Orixoon pre-deployment: blocked/);
    expect(r.summary).toMatch(/unexpected error/);
    const runs = checkRunOf(HEAD_SHA);
    expect(runs.length).toBe(before + 1);
    expect(runs.at(-1)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  test('outside the engine (a value report.json cannot hold): outputs, summary, report.json blocked, exit 1, check run completed', async () => {
    probes.set('bigint', {
      run: async () => ({
        findings: [
          {
            code: 'command_failed',
            checkId: 'bigint',
            target: 'bigint',
            targetKey: 'command:bigint',
            message: "Command check 'bigint' failed (exit 1)",
            evidence: { rows: 12n },
            manual: 'fix it by hand',
          },
        ],
      }),
    });
    const r = await runAction('bigint');
    expect(r.exitCode).toBe(1);
    const outputs = readCommandFile(r.files.output);
    expect(outputs.status).toBe('blocked');
    const report = JSON.parse(readFileSync(outputs.report!, 'utf8'));
    expect(report.verdict).toBe('blocked');
    expect(report.errors.join('\n')).toMatch(/unexpected error: .*BigInt/);
    expect(r.summary).toMatch(/Orixoon pre-deployment: blocked/);
    expect(r.summary).not.toMatch(/Every check passed/);
    expect(checkRunOf(HEAD_SHA).at(-1)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  test('a report-dir that cannot be written: nothing checked, reports in RUNNER_TEMP, outputs, summary, check run completed, exit 1', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'reports'), 'a file where the report directory should be');
    writeFileSync(
      join(dir, 'orixoon.yml'),
      `phases:\n  - name: p\n    checks:\n      - { id: probe, type: command, run: "touch ${dir}/ran" }\n`,
    );
    const sha = 'c'.repeat(40);
    const { env, files } = actionEnv(
      dir,
      { config: 'orixoon.yml', 'report-dir': 'reports', 'github-token': ACTIONS_TOKEN, 'check-run': 'true' },
      { ...prEnv(gh, { headSha: sha }) },
    );
    const action = start('index.js', dir, env);
    const exit = await action.exited;
    expect(exit.code, action.stdout + action.stderr).toBe(1);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    const outputs = readCommandFile(files.output);
    expect(outputs.status).toBe('blocked');
    expect(outputs.report).toContain(join(dir, 'orixoon-reports'));
    const report = JSON.parse(readFileSync(outputs.report!, 'utf8'));
    expect(report.verdict).toBe('blocked');
    expect(report.headline).toMatch(
      /report-dir .*reports cannot be written .*nothing was checked or changed/,
    );
    expect(readFileSync(files.summary, 'utf8')).toMatch(/Orixoon pre-deployment: blocked/);
    expect(checkRunOf(sha)).toHaveLength(1);
    expect(checkRunOf(sha)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });
});

describe('the process backstops', () => {
  let guardModule = '';
  beforeAll(async () => {
    const dir = tempDir();
    guardModule = join(dir, 'process-guard.mjs');
    await build({
      entryPoints: [resolve('src/process-guard.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      outfile: guardModule,
      logLevel: 'warning',
    });
  });

  /** A node script that arms the guard like an entry point, starts a command group, then misbehaves. */
  function script(dir: string, armInMs: number, misbehave: string): string {
    const file = join(dir, 'stuck.mjs');
    writeFileSync(
      file,
      [
        `import { spawn } from 'node:child_process';`,
        `import { writeFileSync } from 'node:fs';`,
        `import { guardProcess } from ${JSON.stringify(guardModule)};`,
        `const guard = guardProcess();`,
        `const child = spawn('bash', ['-c', 'sleep 60'], { detached: true, stdio: 'ignore' });`,
        `child.unref();`,
        `guard.processes.add(child.pid);`,
        `writeFileSync(${JSON.stringify(join(dir, 'pgid'))}, String(child.pid));`,
        `const startedAt = new Date().toISOString();`,
        `guard.arm(Date.now() + ${armInMs}, {`,
        `  reportDir: ${JSON.stringify(join(dir, 'reports'))},`,
        `  githubOutput: ${JSON.stringify(join(dir, 'github_output'))},`,
        `  stepSummary: ${JSON.stringify(join(dir, 'step_summary'))},`,
        `  report: { tool: { name: 'orixoon', version: 'test' }, startedAt, finishedAt: startedAt, durationMs: 0,`,
        `    verdict: 'blocked', deployment: 'blocked', headline: '', mode: { autoHeal: true, dryRun: false,`,
        `    discovered: false, configPath: null, phases: null }, phases: [], findings: [], actions: [],`,
        `    auto_healing: { summary: { total_actions: 0, successful: 0, failed: 0, success_rate: 'n/a' }, actions: [] },`,
        `    counts: { findings: 0, healed: 0, recovered: 0, failed: 0, awaitingApproval: 0, blocked: 0 },`,
        `    recommendations: [], errors: [], notes: [], approvals: [] },`,
        `});`,
        misbehave,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'github_output'), '');
    writeFileSync(join(dir, 'step_summary'), '');
    return file;
  }

  async function runStuck(misbehave: string, armInMs = 1000) {
    const dir = tempDir();
    const file = script(dir, armInMs, misbehave);
    // The watchdog's directory goes to the run's temporary directory: one of this test's own.
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const t0 = Date.now();
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.on('exit', (code, signal) => res({ code, signal })),
    );
    const elapsed = Date.now() - t0;
    await waitFor('the pgid file', () => existsSync(join(dir, 'pgid')), 1000);
    const pgid = Number(readFileSync(join(dir, 'pgid'), 'utf8'));
    return { dir, tmp, exit, elapsed, pgid, stderr };
  }

  /** Live processes whose command line names `text` (the watchdog's carries its directory). */
  function processesNaming(text: string): number[] {
    const found: number[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) found.push(Number(pid));
      } catch {
        /* ended meanwhile */
      }
    }
    return found;
  }

  function expectStoppedReport(dir: string, reason: string): void {
    const { path, report } = onlyReport(join(dir, 'reports'));
    expect(path).toMatch(/-stopped\/report\.json$/);
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted?.reason).toBe(reason);
    expect(report.headline).toMatch(/^Deployment: BLOCKED \(/);
    const outputs = readCommandFile(join(dir, 'github_output'));
    expect(outputs).toMatchObject({ status: 'blocked', report: path });
    expect(readFileSync(join(dir, 'step_summary'), 'utf8')).toMatch(/Orixoon pre-deployment: blocked/);
    expect(readdirSync(join(dir, 'reports'), { recursive: true })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/healing_actions\.log$/),
        expect.stringMatching(/summary\.md$/),
      ]),
    );
  }

  test('a main thread stuck in a synchronous loop: the watchdog process kills its commands, writes the report and outputs, ends it', async () => {
    const r = await runStuck('const end = Date.now() + 60_000; while (Date.now() < end);');
    expect(r.exit.signal).toBe('SIGKILL');
    expect(r.elapsed).toBeLessThan(1000 + 1000 + 1500);
    expect(liveGroupMembers(r.pgid)).toEqual([]);
    expectStoppedReport(r.dir, 'deadline');
    // The watchdog removed its directory after ending the run.
    await waitFor('the watchdog directory removed', () => readdirSync(r.tmp).length === 0, 2000);
  });

  test('a run that gets stuck after a SIGTERM: the watchdog ends it within the cancel budget, report cancelled', async () => {
    const r = await runStuck(
      [
        'guard.onSignal(() => setImmediate(() => { const end = Date.now() + 60_000; while (Date.now() < end); }));',
        // Something keeps the run alive (as a run's sockets do) until the signal arrives.
        'setInterval(() => {}, 1000);',
        "process.kill(process.pid, 'SIGTERM');",
        'await new Promise(() => {});',
      ].join(' '),
      60_000,
    );
    expect(r.exit, r.stderr).toEqual({ code: null, signal: 'SIGKILL' });
    // The cancel budget (2 s) plus the watchdog's second, well before the armed minute.
    expect(r.elapsed).toBeLessThan(2000 + 1000 + 1500);
    expect(liveGroupMembers(r.pgid)).toEqual([]);
    expectStoppedReport(r.dir, 'cancelled');
  });

  test('a run SIGKILLed from outside: its output closes at once, and its watchdog leaves within seconds, writing nothing', async () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const file = script(dir, 60_000, 'setInterval(() => {}, 1000); await new Promise(() => {});');
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp },
    });
    child.stdout.resume();
    child.stderr.resume();
    const closed = new Promise<number>((res) => child.on('close', () => res(Date.now())));
    await waitFor('the watchdog armed', () => processesNaming(tmp).length > 0, 5000);
    const pgid = Number(readFileSync(join(dir, 'pgid'), 'utf8'));
    try {
      const killedAt = Date.now();
      child.kill('SIGKILL');
      // A runner waits for the step's output pipes to close: nothing of the watchdog holds them.
      expect((await closed) - killedAt).toBeLessThan(1000);
      // It looks for its parent every 5 s, and leaves without acting when the run is gone.
      await waitFor('the watchdog gone', () => processesNaming(tmp).length === 0, 8000);
      expect(existsSync(join(dir, 'reports'))).toBe(false);
      expect(readFileSync(join(dir, 'github_output'), 'utf8')).toBe('');
    } finally {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }, 20_000);

  test('a run that writes its reports takes its watchdog with it: no process, no directory, no report of its own', async () => {
    const r = await runStuck(
      "await new Promise((res) => setTimeout(res, 300)); guard.written(); guard.dispose(); process.kill(-child.pid, 'SIGKILL');",
      1000,
    );
    expect(r.exit).toEqual({ code: 0, signal: null });
    expect(readdirSync(r.tmp)).toEqual([]);
    expect(processesNaming(r.tmp)).toEqual([]);
    // Past the time the watchdog would have fired: nothing wrote a stopped report.
    await new Promise((res) => setTimeout(res, 2500));
    expect(existsSync(join(r.dir, 'reports'))).toBe(false);
    expect(readFileSync(join(r.dir, 'github_output'), 'utf8')).toBe('');
  });

  test('a run that hangs asynchronously past the armed time: ended by the main-thread timer, exit 1', async () => {
    const r = await runStuck('setInterval(() => {}, 1000); await new Promise(() => {});');
    expect(r.exit).toEqual({ code: 1, signal: null });
    expect(r.elapsed).toBeLessThan(1000 + 1500);
    expect(liveGroupMembers(r.pgid)).toEqual([]);
    expectStoppedReport(r.dir, 'deadline');
  });

  test('a process about to exit before its run wrote a report (a promise that never settles): report written, exit 1, never 0', async () => {
    const r = await runStuck('await new Promise(() => {});', 60_000);
    expect(r.exit).toEqual({ code: 1, signal: null });
    expect(r.elapsed).toBeLessThan(5000);
    expectStoppedReport(r.dir, 'error');
    expect(liveGroupMembers(r.pgid)).toEqual([]);
  });
});
