// SIGTERM / SIGINT to the built CLI and action while a command runs in its own process group: the
// process exits 143 / 130 within the cancel budget, the command's group is gone, a pattern fix's
// files are put back (no backup left behind), every report says blocked/cancelled, and the action
// still writes its outputs and completes its check run. The action's post step completes a check run
// the main step left in progress. Real processes throughout; GitHub is the local fake API.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ACTIONS_TOKEN, HEAD_SHA, prEnv, useFakeGitHub } from '../helpers/github-server.js';
import { tempDir } from '../helpers/engine.js';
import {
  actionEnv,
  cleanEnv,
  liveGroupMembers,
  NodeProcess,
  onlyReport,
  postEnv,
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

function start(entry: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): NodeProcess {
  const p = new NodeProcess(entry, args, { cwd, env });
  started.push(p);
  return p;
}

/** A command check whose command writes its process group id (bash's $$), then sleeps. */
function sleepingCheck(dir: string, seconds = 20): string {
  return [
    'phases:',
    '  - name: p',
    '    checks:',
    `      - { id: slow, type: command, run: "echo $$ > ${dir}/pgid; sleep ${seconds}", timeout_seconds: ${seconds + 10} }`,
    '',
  ].join('\n');
}

const pgidIn = (dir: string): number => Number(readFileSync(join(dir, 'pgid'), 'utf8').trim());

async function cancelCli(signal: 'SIGTERM' | 'SIGINT', expected: number): Promise<void> {
  const dir = tempDir();
  writeFileSync(join(dir, 'orixoon.yml'), sleepingCheck(dir));
  const cli = start(
    'cli.js',
    ['check', '--config', 'orixoon.yml', '--report-dir', 'reports'],
    dir,
    cleanEnv(),
  );
  await waitFor('the command to start', () => existsSync(join(dir, 'pgid')) && pgidIn(dir) > 0);
  const pgid = pgidIn(dir);
  expect(liveGroupMembers(pgid).length).toBeGreaterThan(0);
  const sent = Date.now();
  cli.child.kill(signal);
  const exit = await cli.exited;
  console.log(`${signal} → exit: ${exit.at - sent} ms`);
  expect(exit.code, cli.stdout + cli.stderr).toBe(expected);
  expect(exit.at - sent).toBeLessThan(2500);
  expect(liveGroupMembers(pgid)).toEqual([]);
  const { report } = onlyReport(join(dir, 'reports'));
  expect(report.verdict).toBe('blocked');
  expect(report.deployment).toBe('blocked');
  expect(report.interrupted).toEqual({ reason: 'cancelled', detail: `cancelled: ${signal} received` });
  expect(report.headline).toMatch(new RegExp(`^Deployment: BLOCKED \\(cancelled: ${signal} received`));
  expect(cli.stdout).toMatch(/Report: /);
}

describe('the CLI on SIGTERM / SIGINT', () => {
  test('SIGTERM during a command check: exit 143, the command group gone, report blocked/cancelled', async () => {
    await cancelCli('SIGTERM', 143);
  });

  test('SIGINT during a command check: exit 130, the command group gone, report blocked/cancelled', async () => {
    await cancelCli('SIGINT', 130);
  });

  test('SIGTERM during a pattern fix: the fix is stopped, its files put back, no backup left, exit 143', async () => {
    const dir = tempDir();
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    writeFileSync(join(dir, 'app.yml'), 'max_conn: 10\n');
    writeFileSync(join(dir, 'app.log'), 'boot\nWARN config field max_conn is deprecated\n');
    writeFileSync(
      join(dir, 'patterns.json'),
      JSON.stringify({
        patterns: [
          {
            name: 'deprecated_field',
            regex: 'config field max_conn is deprecated',
            fix: {
              type: 'command',
              cwd: '.',
              run: `echo $$ > ${dir}/pgid; echo 'max_connections: broken' > app.yml; sleep 20`,
              backup: ['app.yml'],
              timeout_seconds: 60,
            },
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'orixoon.yml'),
      [
        'phases:',
        '  - name: logs',
        '    checks:',
        '      - { id: app-logs, type: logs, file: app.log, patterns_file: patterns.json }',
        '',
      ].join('\n'),
    );
    const cli = start(
      'cli.js',
      ['check', '--auto-heal', '--config', 'orixoon.yml', '--report-dir', 'reports'],
      dir,
      cleanEnv({ TMPDIR: tmp }),
    );
    await waitFor('the fix to start', () => existsSync(join(dir, 'pgid')) && pgidIn(dir) > 0);
    const pgid = pgidIn(dir);
    await waitFor('the fix to change the file', () =>
      readFileSync(join(dir, 'app.yml'), 'utf8').includes('broken'),
    );
    expect(readdirSync(tmp).filter((f) => f.startsWith('orixoon-backup-'))).toHaveLength(1);
    const sent = Date.now();
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    console.log(`SIGTERM during a pattern fix → exit: ${exit.at - sent} ms`);
    expect(exit.code, cli.stdout + cli.stderr).toBe(143);
    expect(exit.at - sent).toBeLessThan(2500);
    expect(liveGroupMembers(pgid)).toEqual([]);
    // The failed fix was rolled back and its backup removed.
    expect(readFileSync(join(dir, 'app.yml'), 'utf8')).toBe('max_conn: 10\n');
    expect(readdirSync(tmp).filter((f) => f.startsWith('orixoon-backup-'))).toEqual([]);
    const { report } = onlyReport(join(dir, 'reports'));
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted?.reason).toBe('cancelled');
    expect(report.actions).toHaveLength(1);
    expect(report.actions[0]).toMatchObject({ action: 'pattern_fix', success: false });
    expect(report.findings[0]).toMatchObject({ code: 'log_pattern', outcome: 'failed' });
  });
});

describe('the action on SIGTERM, and its post step', () => {
  function actionDir(): { dir: string; inputs: Record<string, string> } {
    const dir = tempDir();
    writeFileSync(join(dir, 'orixoon.yml'), sleepingCheck(dir));
    return {
      dir,
      inputs: {
        config: 'orixoon.yml',
        'report-dir': 'reports',
        'github-token': ACTIONS_TOKEN,
        'check-run': 'true',
        comment: 'never',
      },
    };
  }

  test('SIGTERM: exit 143 with outputs, job summary, report.json blocked/cancelled and the check run completed', async () => {
    const { dir, inputs } = actionDir();
    const { env, files } = actionEnv(dir, inputs, prEnv(gh));
    const action = start('index.js', [], dir, env);
    await waitFor('the command to start', () => existsSync(join(dir, 'pgid')) && pgidIn(dir) > 0);
    const pgid = pgidIn(dir);
    await waitFor('the check run to start', () =>
      [...gh.checkRuns.values()].some((r) => r.head_sha === HEAD_SHA),
    );
    const sent = Date.now();
    action.child.kill('SIGTERM');
    const exit = await action.exited;
    console.log(`action: SIGTERM → exit: ${exit.at - sent} ms`);
    expect(exit.code, action.stdout + action.stderr).toBe(143);
    expect(exit.at - sent).toBeLessThan(2500);
    expect(liveGroupMembers(pgid)).toEqual([]);
    const outputs = readCommandFile(files.output);
    expect(outputs.status).toBe('blocked');
    const report = JSON.parse(readFileSync(outputs.report!, 'utf8'));
    expect(report.interrupted).toEqual({ reason: 'cancelled', detail: 'cancelled: SIGTERM received' });
    expect(readFileSync(files.summary, 'utf8')).toMatch(/Deployment: BLOCKED \(cancelled: SIGTERM received/);
    const run = [...gh.checkRuns.values()].find((r) => r.head_sha === HEAD_SHA)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output?.title).toMatch(/BLOCKED/);
    const state = readCommandFile(files.state);
    expect(state).toMatchObject({
      'check-run-id': String(run.id),
      'check-run-status': 'completed',
      'cancelled-by': 'SIGTERM',
    });
    // The post step then has nothing to do, and does nothing.
    const before = gh.requests.length;
    const post = start('post.js', [], dir, postEnv(env, files.state));
    expect((await post.exited).code).toBe(0);
    expect(gh.requests.length).toBe(before);
  });

  test('a main step killed outright leaves the check run in progress: the post step completes it', async () => {
    const { dir, inputs } = actionDir();
    const { env, files } = actionEnv(dir, inputs, prEnv(gh));
    const action = start('index.js', [], dir, env);
    await waitFor('the command to start', () => existsSync(join(dir, 'pgid')) && pgidIn(dir) > 0);
    await waitFor('the check run id to be saved', () => !!readCommandFile(files.state)['check-run-id']);
    action.child.kill('SIGKILL');
    await action.exited;
    const id = Number(readCommandFile(files.state)['check-run-id']);
    expect(gh.checkRuns.get(id)!.status).toBe('in_progress');

    const post = start('post.js', [], dir, postEnv(env, files.state));
    const exit = await post.exited;
    expect(exit.code, post.stdout + post.stderr).toBe(0);
    const run = gh.checkRuns.get(id)!;
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run.output?.title).toBe('Deployment: BLOCKED (the run did not finish)');
    expect(post.stdout).toMatch(new RegExp(`Orixoon check run ${id} completed: failure`));
    process.kill(-pgidIn(dir), 'SIGKILL'); // the killed step's command (the runner would end it)
  });

  test('after a cancel the post step completes the run as cancelled; a silent API cannot hold it past its timeout', async () => {
    const { dir, inputs } = actionDir();
    const { env, files } = actionEnv(dir, inputs, prEnv(gh));
    const id = await createInProgressRun(env);
    writeFileSync(
      files.state,
      [
        `check-run-id<<EOF\n${id}\nEOF`,
        'check-run-status<<EOF\nin_progress\nEOF',
        'cancelled-by<<EOF\nSIGINT\nEOF',
        '',
      ].join('\n'),
    );
    gh.hanging.add('checks');
    const t0 = Date.now();
    const silent = start('post.js', [], dir, postEnv(env, files.state));
    const exit = await silent.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - t0).toBeLessThan(10_000 + 3000);
    expect(silent.stdout).toMatch(
      new RegExp(`::warning::Orixoon check run ${id} could not be completed: .*no answer`),
    );
    expect(gh.checkRuns.get(id)!.status).toBe('in_progress');

    gh.hanging.clear();
    const post = start('post.js', [], dir, postEnv(env, files.state));
    expect((await post.exited).code).toBe(0);
    expect(gh.checkRuns.get(id)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
  }, 30_000);
});

/** An in-progress check run on the fake API, as a main step would have created it. */
async function createInProgressRun(env: NodeJS.ProcessEnv): Promise<number> {
  const res = await fetch(`${env.GITHUB_API_URL}/repos/${gh.owner}/${gh.repo}/check-runs`, {
    method: 'POST',
    headers: { authorization: `token ${ACTIONS_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Orixoon pre-deployment', head_sha: HEAD_SHA, status: 'in_progress' }),
  });
  return ((await res.json()) as { id: number }).id;
}
