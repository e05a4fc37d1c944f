// The action's run() (src/main.ts) driven in-process with the toolkit mocked at its boundary, as
// actions/checkout tests its main: @actions/core's inputs come from a table, its outputs, failure,
// annotations and job summary are captured. Everything behind it is real: the config loader, the
// engine running `command` checks in a shell and an `http` check against a local server, the report
// files, and the GitHub API calls answered by the local fake API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { ACTIONS_TOKEN, prEnv, useFakeGitHub } from '../helpers/github-server.js';
import type { RunReport } from '../../src/report/model.js';

/** What the mocked toolkit saw during one run. */
const step = vi.hoisted(() => ({
  inputs: {} as Record<string, string>,
  outputs: {} as Record<string, string>,
  failed: [] as string[],
  errors: [] as Array<{ message: string; props: Record<string, unknown> }>,
  lines: [] as string[],
  summary: '',
  state: {} as Record<string, string>,
}));

vi.mock('@actions/core', () => {
  const summary = {
    buffer: '',
    addRaw(text: string) {
      summary.buffer += text;
      return summary;
    },
    write() {
      step.summary += summary.buffer;
      summary.buffer = '';
      return Promise.resolve(summary);
    },
  };
  return {
    getInput: (name: string) => step.inputs[name] ?? '',
    setOutput: (name: string, value: string) => void (step.outputs[name] = value),
    setFailed: (message: string) => void step.failed.push(message),
    setSecret: () => undefined,
    saveState: (name: string, value: string) => void (step.state[name] = value),
    info: (t: string) => void step.lines.push(t),
    debug: () => undefined,
    warning: (t: string) => void step.lines.push(`warning: ${t}`),
    error: (message: string, props: Record<string, unknown> = {}) =>
      void step.errors.push({ message, props }),
    startGroup: (t: string) => void step.lines.push(`group: ${t}`),
    endGroup: () => undefined,
    summary,
  };
});

const { run } = await import('../../src/main.js');

const gh = useFakeGitHub();

/** The application's health endpoint: /health answers 200 {"status":"ok"}, /down 503. */
let app: Server;
let appUrl = '';
/** When each request reached the application (epoch ms). */
const appRequests: number[] = [];
beforeAll(async () => {
  app = createServer((req, res) => {
    appRequests.push(Date.now());
    const ok = req.url === '/health';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ok' : 'down' }));
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => app.close(resolve));
});

beforeEach(() => {
  step.inputs = {};
  step.outputs = {};
  step.failed = [];
  step.errors = [];
  step.lines = [];
  step.summary = '';
  step.state = {};
});

/** A workspace with the config, and the inputs the step's `with:` would give. */
function workspace(config: string[], inputs: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'oxr-action-'));
  writeFileSync(join(dir, 'orixoon.yml'), [...config, ''].join('\n'));
  step.inputs = {
    config: join(dir, 'orixoon.yml'),
    'report-dir': join(dir, 'reports'),
    'github-token': ACTIONS_TOKEN,
    'check-run': 'true',
    comment: 'on-failure',
    'timeout-seconds': '60',
    ...inputs,
  };
  return dir;
}

function reportOf(): RunReport {
  expect(step.outputs.report).toBeTruthy();
  return JSON.parse(readFileSync(step.outputs.report!, 'utf8')) as RunReport;
}

/** A pull_request event for PR `pr`, whose head commit is this PR's own. */
function prEvent(pr: number): NodeJS.ProcessEnv {
  return prEnv(gh, { pr, headSha: headOf(pr) });
}

function headOf(pr: number): string {
  return String(pr).padEnd(40, 'a');
}

/** The check runs on the PR's head commit and the PR's comments, as the fake API holds them. */
function published(pr: number) {
  const runs = [...gh.checkRuns.values()].filter((r) => r.head_sha === headOf(pr));
  return { runs, comments: gh.prCommentList(pr) };
}

describe('run() of the action, toolkit mocked, engine real', () => {
  test('healthy: outputs say passed, the deployment is allowed, the step does not fail', async () => {
    const dir = workspace([
      'phases:',
      '  - name: app',
      '    checks:',
      '      - { id: smoke, type: command, run: "true" }',
      `      - { id: api, type: http, url: "${appUrl}/health", json: { status: ok } }`,
    ]);
    await run(prEvent(101));

    expect(step.failed).toEqual([]);
    expect(step.outputs).toMatchObject({
      status: 'passed',
      healed: '0',
      failed: '0',
      'awaiting-approval': '0',
      'comment-url': '',
    });
    const report = reportOf();
    expect(report.verdict).toBe('passed');
    expect(report.deployment).toBe('allowed');
    expect(report.headline).toBe('Deployment: ALLOWED (all checks passed)');
    expect(report.phases[0]!.checks.map((c) => [c.id, c.status])).toEqual([
      ['smoke', 'passed'],
      ['api', 'passed'],
    ]);
    expect(step.outputs.report!.startsWith(join(dir, 'reports'))).toBe(true);
    expect(step.summary).toContain('Deployment: ALLOWED');
    // The check run on the PR head (not the merge commit) is completed green; no comment on a pass.
    const { runs, comments } = published(101);
    expect(runs.map((r) => [r.status, r.conclusion])).toEqual([['completed', 'success']]);
    expect(step.outputs['check-run-url']).toContain(String(runs[0]!.id));
    expect(step.state['check-run-status']).toBe('completed');
    expect(comments).toEqual([]);
  });

  test('failing and unhealable: the step fails with the blocked headline, every output written', async () => {
    workspace([
      'phases:',
      '  - name: app',
      '    checks:',
      '      - { id: smoke, type: command, run: "echo migration missing >&2; false" }',
      `      - { id: api, type: http, url: "${appUrl}/down" }`,
    ]);
    await run(prEvent(102));

    const report = reportOf();
    expect(report.verdict).toBe('blocked');
    expect(report.deployment).toBe('blocked');
    expect(report.headline).toBe('Deployment: BLOCKED (2 findings not healed)');
    expect(report.findings.map((f) => [f.checkId, f.code])).toEqual([
      ['smoke', 'command_failed'],
      ['api', 'endpoint_down'],
    ]);
    expect(step.failed).toEqual([
      `Deployment: BLOCKED (2 findings not healed). See the job summary and ${step.outputs.report}.`,
    ]);
    expect(step.outputs).toMatchObject({ status: 'blocked', healed: '0', failed: '2' });
    expect(step.outputs['summary-path']).toMatch(/summary\.md$/);
    expect(existsSync(step.outputs['summary-path']!)).toBe(true);
    expect(step.errors.map((e) => e.props.title)).toEqual(
      expect.arrayContaining([expect.stringMatching(/smoke/)]),
    );
    expect(step.summary).toContain('Deployment: BLOCKED');
    const { runs, comments } = published(102);
    expect(runs.map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
    // comment: on-failure follows the deployment decision: blocked → the sticky comment is written.
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('BLOCKED');
    expect(step.outputs['comment-url']).toBe(comments[0]!.html_url);
  });

  test('bad config: the step fails naming file:line:column, nothing is run, no report is written', async () => {
    const dir = workspace([
      'phases:',
      '  - name: app',
      '    checks:',
      `      - { id: marker, type: command, run: "touch ${join(mkdtempSync(join(tmpdir(), 'oxr-')), 'ran')}" }`,
      '      - { id: api, type: http, url: 12 }',
    ]);
    const ran = step.inputs.config!.replace(/orixoon\.yml$/, 'ran');
    await run(prEvent(103));

    expect(step.failed).toEqual(['Invalid Orixoon config (1 problem). Deployment: BLOCKED']);
    expect(step.outputs.status).toBe('blocked');
    expect(step.outputs.report).toBeUndefined();
    expect(step.errors).toHaveLength(1);
    expect(step.errors[0]!.props).toMatchObject({
      title: 'Orixoon config',
      file: join(dir, 'orixoon.yml'),
      startLine: 5,
    });
    expect(step.errors[0]!.props.startColumn).toBeGreaterThan(0);
    const located = `${join(dir, 'orixoon.yml')}:5:${String(step.errors[0]!.props.startColumn)}`;
    expect(step.lines.some((l) => l.includes(located))).toBe(true);
    // Nothing acted: the command never ran, no report directory exists.
    expect(existsSync(ran)).toBe(false);
    expect(readdirSync(dir)).toEqual(['orixoon.yml']);
    expect(step.summary).toMatch(/config/i);
    const { runs } = published(103);
    expect(runs.map((r) => [r.status, r.conclusion])).toEqual([['completed', 'failure']]);
  });

  test('dry run: the heal is planned, not performed, and the deployment stays blocked', async () => {
    const dir = workspace(
      [
        'phases:',
        '  - name: app',
        '    checks:',
        '      - { id: flag, type: command, run: "test -f flag.ok", heal: "touch flag.ok", cwd: "." }',
      ],
      { 'dry-run': 'true', comment: 'never' },
    );
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await run(prEvent(104));
    } finally {
      process.chdir(cwd);
    }

    expect(existsSync(join(dir, 'flag.ok'))).toBe(false);
    const report = reportOf();
    expect(report.mode.dryRun).toBe(true);
    expect(report.findings.map((f) => [f.checkId, f.outcome])).toEqual([['flag', 'dry_run']]);
    expect(report.actions).toEqual([]);
    expect(report.deployment).toBe('blocked');
    expect(step.outputs.status).toBe('blocked');
    expect(step.failed).toHaveLength(1);
    expect(step.failed[0]).toMatch(/^Deployment: BLOCKED/);
    expect(published(104).comments).toEqual([]);
  });

  test('a GitHub that is slow to create the check run does not hold the checks back', async () => {
    gh.hanging.add('checks');
    workspace(
      ['phases:', '  - name: app', '    checks:', `      - { id: api, type: http, url: "${appUrl}/health" }`],
      { comment: 'never', 'timeout-seconds': '6' },
    );
    appRequests.length = 0;
    await run(prEvent(105));

    // The check run's creation was asked first and never answered; the check ran meanwhile, not
    // after a wait for it (the head commit is in the event, so nothing else is waited for).
    const created = gh
      .find('POST', /\/check-runs$/)
      .filter((r) => (r.body as { head_sha?: string }).head_sha === headOf(105));
    expect(created.length).toBeGreaterThan(0);
    expect(appRequests).toHaveLength(1);
    expect(appRequests[0]! - created[0]!.at).toBeLessThan(1000);
    expect(reportOf().verdict).toBe('passed');
    expect(step.outputs.status).toBe('passed');
    expect(step.failed).toEqual([]);
    expect(step.summary).toMatch(/Check run/);
  });
});
