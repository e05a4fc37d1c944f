// End to end, the way the runner runs the action: `node dist/index.js` with INPUT_* and GITHUB_*
// variables (a pull_request event whose GITHUB_SHA is the merge commit), GITHUB_API_URL pointing at a
// local fake GitHub API, a real Docker container to heal, and a real webhook receiver.
//   run 1: the action needs confirmation → blocked, the sticky comment asks for approval;
//   a write user comments `/orixoon approve <id>` → run 2 performs the action, the comment and the
//   check run turn green; read-only approvers, a new push, fork PRs and an invalid config do not pass.
// `npm run build` (run by .ci/run before the tests) must have produced dist/index.js;
// ORIXOON_E2E_DIST points elsewhere (a build in a temporary directory).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER, waitFor } from '../helpers/docker.js';
import {
  ACTIONS_TOKEN,
  FakeGitHub,
  HEAD_SHA,
  MERGE_SHA,
  prEnv,
  type PrEventOptions,
} from '../helpers/github-server.js';
import { WebhookServer } from '../helpers/webhook-server.js';
import { parseMetadata } from '../../src/github/sticky-comment.js';
import type { RunReport } from '../../src/report/model.js';

const SUITE = 'github';
const WEB = 'oxg-e2e-web';
const root = fileURLToPath(new URL('../..', import.meta.url));
const distIndex = process.env.ORIXOON_E2E_DIST ?? join(root, 'dist', 'index.js');
const HOOK_SECRET_PATH = '/hooks/T0KEN-oxg-e2e-5ecret';

let gh: FakeGitHub;
let hooks: WebhookServer;

beforeAll(async () => {
  if (!existsSync(distIndex)) throw new Error(`${distIndex} is missing: run \`npm run build\` first`);
  await removeSuite(SUITE);
  gh = await new FakeGitHub().start();
  hooks = await new WebhookServer().start();
  gh.setPermission('alice', 'write');
  gh.setPermission('bob', 'read');
});
afterAll(async () => {
  await removeSuite(SUITE);
  await gh?.stop();
  await hooks?.stop();
});
beforeEach(() => {
  gh.forbidden.clear();
  hooks.received.length = 0;
});

/** A stopped container whose start needs confirmation (any action can require it in the config). */
async function stoppedWeb(): Promise<void> {
  await runContainer({ name: WEB, suite: SUITE, cmd: SLEEP_FOREVER });
  await docker('stop', '-t', '0', WEB);
  expect((await inspect(WEB)).State.Status).toBe('exited');
}

function workspace(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oxg-e2e-'));
  mkdirSync(join(dir, '.github'));
  writeFileSync(join(dir, '.github', 'orixoon.yml'), config);
  return dir;
}

const CONFIG = `version: 2
auto_healing: { max_healing_attempts: 1, retry_delay_seconds: 0, stabilization_timeout_seconds: 15 }
safety_limits: { cooldown_seconds: 0 }
healing_actions:
  container_not_running: { requires_confirmation: true }
notifications:
  notify_on_healing_attempt: true
  notification_channels: [webhook]
  webhook_url: "\${OXG_HOOK_URL}"
  timeout_seconds: 3
phases:
  - name: infrastructure
    checks:
      - { id: web, type: container, container: ${WEB} }
`;

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  report?: RunReport;
}

/** GITHUB_OUTPUT's `name<<delimiter … delimiter` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

async function runAction(
  dir: string,
  opts: PrEventOptions & { inputs?: Record<string, string>; runId?: string } = {},
): Promise<ActionRun> {
  const outputFile = join(dir, `output-${Date.now()}.txt`);
  const summaryFile = join(dir, `summary-${Date.now()}.md`);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputs: Record<string, string> = {
    config: '.github/orixoon.yml',
    'github-token': ACTIONS_TOKEN,
    'check-run': 'true',
    comment: 'on-change',
    'timeout-seconds': '120',
    ...opts.inputs,
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...prEnv(gh, opts),
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    OXG_HOOK_URL: `${hooks.url}${HOOK_SECRET_PATH}`,
  };
  // The runner keeps dashes: `github-token` → INPUT_GITHUB-TOKEN.
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [distIndex],
      { cwd: dir, env, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 },
      (err, so, se) => {
        const c = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolve({ code: c, stdout: `${so}\n${se}` });
      },
    );
  });
  const outputs = parseOutputs(readFileSync(outputFile, 'utf8'));
  const report =
    outputs.report && existsSync(outputs.report)
      ? (JSON.parse(readFileSync(outputs.report, 'utf8')) as RunReport)
      : undefined;
  return { code, stdout, outputs, summary: readFileSync(summaryFile, 'utf8'), report };
}

function ownComments(pr: number) {
  return gh.prCommentList(pr).filter((c) => c.user.login === 'github-actions[bot]');
}

function checkRunsOn(sha: string) {
  return [...gh.checkRuns.values()].filter((r) => r.head_sha === sha);
}

describe('the action end to end (node dist/index.js)', () => {
  it('run 1 blocks awaiting approval; a write user approves by comment; run 2 starts the container', async () => {
    const pr = 501;
    await stoppedWeb();
    const dir = workspace(CONFIG);

    const run1 = await runAction(dir, { pr, runId: '9001' });
    expect(run1.code, run1.stdout).toBe(1);
    expect(run1.outputs.status).toBe('blocked');
    expect(run1.outputs['awaiting-approval']).toBe('1');
    expect((await inspect(WEB)).State.Status).toBe('exited');
    const finding = run1.report!.findings[0]!;
    expect(finding.outcome).toBe('awaiting_approval');
    expect(run1.report!.run?.sha).toBe(HEAD_SHA);

    // The sticky comment asks for exactly this id, for the PR head commit.
    const [comment] = ownComments(pr);
    expect(ownComments(pr)).toHaveLength(1);
    expect(comment!.body).toContain(`\`/orixoon approve ${finding.id}\``);
    expect(parseMetadata(comment!.body)).toMatchObject({
      sha: HEAD_SHA,
      proposals: { [finding.id]: expect.any(String) },
    });
    // The check run is on the head commit, never the merge commit, and failed.
    expect(checkRunsOn(MERGE_SHA)).toHaveLength(0);
    const runs1 = checkRunsOn(HEAD_SHA);
    expect(runs1.map((r) => [r.name, r.status, r.conclusion])).toEqual([
      ['Orixoon pre-deployment', 'completed', 'failure'],
    ]);
    expect(hooks.received).toHaveLength(0); // nothing was attempted

    // Someone with only read access cannot approve; a write user can.
    await new Promise((r) => setTimeout(r, 5));
    gh.addComment(pr, { login: 'bob', type: 'User' }, `/orixoon approve ${finding.id}`);
    const run2 = await runAction(dir, { pr, runId: '9001' });
    expect(run2.code).toBe(1);
    expect(run2.report!.findings[0]!.outcome).toBe('awaiting_approval');
    expect(run2.stdout).toContain('needs write, maintain or admin permission (has read)');
    expect((await inspect(WEB)).State.Status).toBe('exited');

    const approval = gh.addComment(
      pr,
      { login: 'alice', type: 'User' },
      `Reviewed.\n/orixoon approve ${finding.id}`,
    );
    const run3 = await runAction(dir, { pr, runId: '9001' });
    expect(run3.code, run3.stdout).toBe(0);
    expect(run3.outputs.status).toBe('healed');
    expect(run3.outputs.healed).toBe('1');
    expect((await inspect(WEB)).State.Running).toBe(true);
    const healed = run3.report!.findings[0]!;
    expect(healed).toMatchObject({
      id: finding.id,
      outcome: 'healed',
      approval: { via: 'comment', by: 'alice', url: approval.html_url },
    });

    // Same comment, updated in place; a new check run for this run, green.
    expect(ownComments(pr)).toHaveLength(1);
    expect(ownComments(pr)[0]!.id).toBe(comment!.id);
    expect(ownComments(pr)[0]!.body).toContain('🩹 Orixoon pre-deployment: healed');
    expect(ownComments(pr)[0]!.body).toContain('approved by @alice');
    expect(checkRunsOn(HEAD_SHA).map((r) => r.conclusion)).toEqual(['failure', 'failure', 'success']);

    // Notifications: the attempt and the success, for the head commit; the hook URL stayed secret.
    const events = hooks.received.map((h) => h.json as { event: string; sha?: string; action: string });
    expect(events.map((e) => e.event)).toEqual(['healing_attempt', 'healing_success']);
    expect(events[1]).toMatchObject({ sha: HEAD_SHA, action: 'start_container', repository: 'acme/shop' });
    for (const r of [run1, run2, run3]) {
      // `::add-mask::` is how secrets reach the runner (which consumes the line and masks the value).
      const visible = r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      expect(r.stdout).toContain(`::add-mask::${ACTIONS_TOKEN}`);
      expect(visible).not.toContain(HOOK_SECRET_PATH);
      expect(visible).not.toContain(ACTIONS_TOKEN);
      expect(r.summary).not.toContain(ACTIONS_TOKEN);
    }
    const bodies = gh.allBodies();
    for (const secret of [ACTIONS_TOKEN, HOOK_SECRET_PATH]) expect(bodies).not.toContain(secret);
  });

  it('a high-risk crash loop (default requires confirmation): approved by comment, then recreated with a fresh writable layer', async () => {
    const pr = 506;
    const LOOP = 'oxg-e2e-loop';
    // The crash comes from a file in the container's writable layer: recreating it is the fix.
    await runContainer({
      name: LOOP,
      suite: SUITE,
      cmd: ['/bin/sh', '-c', '[ -e /poison ] && exit 3; exec /bin/sleep infinity'],
      restart: 'always',
      createOnly: true,
    });
    const poison = join(mkdtempSync(join(tmpdir(), 'oxg-poison-')), 'poison');
    writeFileSync(poison, 'corrupt');
    await docker('cp', poison, `${LOOP}:/poison`);
    await docker('start', LOOP);
    await waitFor(LOOP, (i) => i.RestartCount >= 3, 30_000);
    const dir = workspace(`version: 2
auto_healing: { max_healing_attempts: 1, retry_delay_seconds: 0, stabilization_timeout_seconds: 20 }
safety_limits: { cooldown_seconds: 0 }
phases:
  - name: infrastructure
    checks:
      - { id: loop, type: container, container: ${LOOP} }
`);
    const run1 = await runAction(dir, { pr });
    expect(run1.code, run1.stdout).toBe(1);
    const f1 = run1.report!.findings[0]!;
    expect(f1).toMatchObject({
      code: 'crash_loop',
      risk: 'high',
      action: 'recreate_container',
      outcome: 'awaiting_approval',
    });
    const idBefore = (await inspect(LOOP)).Id;
    expect(ownComments(pr)[0]!.body).toContain(`/orixoon approve ${f1.id}`);

    await new Promise((r) => setTimeout(r, 5));
    gh.addComment(pr, { login: 'alice', type: 'User' }, '/orixoon approve all');
    const run2 = await runAction(dir, { pr });
    expect(run2.code, run2.stdout).toBe(0);
    expect(run2.report!.findings[0]).toMatchObject({
      outcome: 'healed',
      approval: { by: 'alice', via: 'comment' },
    });
    const after = await inspect(LOOP);
    expect(after.Id).not.toBe(idBefore);
    expect(after.State.Running).toBe(true);
    expect(after.HostConfig.RestartPolicy.Name).toBe('always');
    expect(after.Config.Labels['orixoon.test']).toBe(SUITE);
    expect(await docker('exec', LOOP, '/bin/sh', '-c', '[ -e /poison ] && echo poisoned || echo clean')).toBe(
      'clean',
    );
    expect(ownComments(pr)).toHaveLength(1);
    expect(ownComments(pr)[0]!.body).toContain('🩹 Orixoon pre-deployment: healed');
  });

  it('a new push after the approval needs a new approval', async () => {
    const pr = 502;
    await stoppedWeb();
    const dir = workspace(CONFIG);
    const run1 = await runAction(dir, { pr });
    const id1 = run1.report!.findings[0]!.id;
    await new Promise((r) => setTimeout(r, 5));
    gh.addComment(pr, { login: 'alice', type: 'User' }, `/orixoon approve ${id1}`);
    const pushed = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed';
    const run2 = await runAction(dir, { pr, headSha: pushed, mergeSha: '6'.repeat(40) });
    expect(run2.code).toBe(1);
    const f2 = run2.report!.findings[0]!;
    expect(f2.outcome).toBe('awaiting_approval');
    expect(f2.id).not.toBe(id1);
    expect((await inspect(WEB)).State.Status).toBe('exited');
    const meta = parseMetadata(ownComments(pr)[0]!.body)!;
    expect(meta.sha).toBe(pushed);
    expect(Object.keys(meta.proposals)).toEqual([f2.id]);
    expect(checkRunsOn(pushed).map((r) => r.conclusion)).toEqual(['failure']);
  });

  it('fork PR with a read-only token: the run reports, notes why in the job summary, and does not crash', async () => {
    const pr = 503;
    await stoppedWeb();
    gh.forbidden.add('comments:write');
    gh.forbidden.add('checks');
    gh.forbidden.add('statuses');
    const dir = workspace(CONFIG);
    const run = await runAction(dir, { pr, fork: true });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('blocked');
    expect(gh.prCommentList(pr)).toHaveLength(0);
    expect(run.summary).toContain('PR comment skipped: fork PR with a read-only token');
    expect(run.summary).toContain('Check run and commit status skipped');
    expect(run.stdout).not.toMatch(/failed unexpectedly/);
  });

  it('approve input, no confirmation needed via comment: healed in one run; check run via commit status when checks are refused', async () => {
    const pr = 504;
    await stoppedWeb();
    gh.forbidden.add('checks');
    const dir = workspace(CONFIG);
    const run = await runAction(dir, {
      pr,
      headSha: 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff',
      inputs: { approve: 'web' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.status).toBe('healed');
    expect((await inspect(WEB)).State.Running).toBe(true);
    expect(
      gh.statuses
        .filter((s) => s.sha === 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff')
        .map((s) => [s.context, s.state]),
    ).toEqual([
      ['Orixoon pre-deployment', 'pending'],
      ['Orixoon pre-deployment', 'success'],
    ]);
    expect(ownComments(pr)[0]!.body).toContain('🩹 Orixoon pre-deployment: healed');
  });

  it('an invalid config: failure check run with an annotation at the offending line, nothing touched', async () => {
    const pr = 505;
    await stoppedWeb();
    const dir = workspace(CONFIG.replace('cooldown_seconds: 0', 'cooldown_seconds: "soon"'));
    const run = await runAction(dir, {
      pr,
      headSha: 'badc0f1gbadc0f1gbadc0f1gbadc0f1gbadc0f1g'.replace(/g/g, 'e'),
    });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('blocked');
    expect((await inspect(WEB)).State.Status).toBe('exited');
    const [check] = checkRunsOn('badc0f1ebadc0f1ebadc0f1ebadc0f1ebadc0f1e');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.annotations.length).toBeGreaterThanOrEqual(1);
    expect(check!.annotations[0]).toMatchObject({
      path: '.github/orixoon.yml',
      start_line: 3,
      annotation_level: 'failure',
    });
    expect(ownComments(pr)[0]!.body).toContain('configuration invalid');
  });
});
