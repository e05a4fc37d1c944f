// The "Orixoon pre-deployment" check run against a local GitHub API: on the PR head commit (never
// the merge commit), in progress at start, completed with the verdict's conclusion, annotations in
// batches of 50, and the commit-status fallback when the token may not write checks.
import { describe, expect, it } from 'vitest';
import {
  HEAD_SHA,
  MERGE_SHA,
  githubHarness,
  makeFinding,
  makeReport,
  prEnv,
  useFakeGitHub,
} from '../helpers/github-server.js';
import { CHECK_NAME } from '../../src/github/index.js';
import type { ConfigProblem } from '../../src/config/load.js';

const gh = useFakeGitHub();
let prCounter = 300;

const healed = makeReport([makeFinding()]);
const blocked = makeReport([makeFinding({ outcome: 'failed', attempts: 3 })]);
const checkSettings = { checkRun: true, comment: 'never' as const };

function newRunsSince(before: Set<number>) {
  return [...gh.checkRuns.values()].filter((r) => !before.has(r.id));
}

describe('check run', () => {
  it('is created in progress on the PR head commit at start and completed with success after a healed run', async () => {
    const before = new Set(gh.checkRuns.keys());
    const h = githubHarness(prEnv(gh, { pr: ++prCounter }), checkSettings);
    await h.integration.start();
    const [run] = newRunsSince(before);
    expect(run).toBeDefined();
    expect(run!.name).toBe(CHECK_NAME);
    expect(run!.head_sha).toBe(HEAD_SHA);
    expect(run!.head_sha).not.toBe(MERGE_SHA);
    expect(run!.status).toBe('in_progress');
    expect(run!.details_url).toBe('https://github.example/acme/shop/actions/runs/4242');
    expect(await h.integration.publish(healed)).toEqual([]);
    expect(newRunsSince(before)).toHaveLength(1);
    expect(run!.status).toBe('completed');
    expect(run!.conclusion).toBe('success');
    expect(run!.output?.title).toBe('Deployment: ALLOWED (healed 1 finding)');
    expect(run!.output?.summary).toContain('🩹 Orixoon pre-deployment: healed');
  });

  it('concludes failure for a blocked run, also when start() was never called', async () => {
    const before = new Set(gh.checkRuns.keys());
    const h = githubHarness(prEnv(gh, { pr: ++prCounter }), checkSettings);
    expect(await h.integration.publish(blocked)).toEqual([]);
    const runs = newRunsSince(before);
    expect(runs).toHaveLength(1);
    expect(runs[0]!).toMatchObject({ head_sha: HEAD_SHA, status: 'completed', conclusion: 'failure' });
  });

  it('annotates config problems in batches of at most 50, with repository-relative paths', async () => {
    const before = new Set(gh.checkRuns.keys());
    const workspace = '/home/runner/work/shop/shop';
    const env = { ...prEnv(gh, { pr: ++prCounter }), GITHUB_WORKSPACE: workspace };
    const problems: ConfigProblem[] = Array.from({ length: 120 }, (_, i) => ({
      file: `${workspace}/.github/orixoon.yml`,
      line: i + 1,
      column: 3,
      key: `phases[0].checks[${i}].max_stuck`,
      message: `Expected number, received string (${i})`,
    }));
    const h = githubHarness(env, checkSettings);
    await h.integration.start();
    const beforeReq = gh.requests.length;
    expect(await h.integration.publish(null, problems)).toEqual([]);
    const [run] = newRunsSince(before);
    expect(run!.conclusion).toBe('failure');
    expect(run!.annotations).toHaveLength(120);
    expect(run!.annotations[0]).toMatchObject({
      path: '.github/orixoon.yml',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      title: 'Invalid config: phases[0].checks[0].max_stuck',
    });
    expect(run!.annotations[119]).toMatchObject({
      start_line: 120,
      message: 'Expected number, received string (119)',
    });
    const patches = gh.requests
      .slice(beforeReq)
      .filter((r) => r.method === 'PATCH' && r.path.includes('/check-runs/'));
    expect(
      patches.map(
        (p) => ((p.body as { output: { annotations: unknown[] } }).output.annotations ?? []).length,
      ),
    ).toEqual([50, 50, 20]);
    expect(run!.output?.title).toBe('Blocked: configuration invalid (120 problems)');
  });

  it('falls back to a commit status on the head commit when the token may not write checks', async () => {
    gh.forbidden.add('checks');
    const h = githubHarness(
      prEnv(gh, { pr: ++prCounter, headSha: 'abcabcabcabcabcabcabcabcabcabcabcabcabca' }),
      checkSettings,
    );
    await h.integration.start();
    const mine = () => gh.statuses.filter((s) => s.sha === 'abcabcabcabcabcabcabcabcabcabcabcabcabca');
    expect(mine()).toEqual([
      expect.objectContaining({
        state: 'pending',
        context: CHECK_NAME,
        target_url: 'https://github.example/acme/shop/actions/runs/4242',
      }),
    ]);
    expect(await h.integration.publish(blocked)).toEqual([]);
    expect(mine().map((s) => s.state)).toEqual(['pending', 'failure']);
    expect(mine()[1]!.description).toBe('Deployment: BLOCKED (1 finding not healed)');
    expect(h.lines.some((l) => l.includes('using a commit status instead'))).toBe(true);
  });

  it('a fork token that may write neither checks nor statuses: a note, no throw', async () => {
    gh.forbidden.add('checks');
    gh.forbidden.add('statuses');
    const h = githubHarness(prEnv(gh, { pr: ++prCounter, fork: true }), checkSettings);
    await h.integration.start();
    const notes = await h.integration.publish(healed);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^Check run and commit status skipped: the token may write neither checks nor statuses \(HTTP 403\)/,
    );
  });

  it('a checks API that never answers: start and publish finish after the timeout with a note', async () => {
    gh.hanging.add('checks');
    const h = githubHarness(prEnv(gh, { pr: ++prCounter }), { ...checkSettings, timeoutMs: 300 });
    const t0 = Date.now();
    await h.integration.start();
    const notes = await h.integration.publish(healed);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(notes).toEqual([expect.stringMatching(/^Check run not completed: .*no answer within 0\.3 s/)]);
  });

  it('check-run off: no checks or statuses request', async () => {
    const before = gh.requests.length;
    const h = githubHarness(prEnv(gh, { pr: ++prCounter }), { checkRun: false, comment: 'never' });
    await h.integration.start();
    await h.integration.publish(blocked);
    expect(gh.requests.slice(before).filter((r) => /check-runs|statuses/.test(r.path))).toEqual([]);
  });

  it('issue_comment event: the PR head commit is read from the API', async () => {
    const pr = ++prCounter;
    const head = '1234123412341234123412341234123412341234';
    gh.pulls.set(pr, head);
    const env = prEnv(gh, { pr, eventName: 'issue_comment' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      env.GITHUB_EVENT_PATH!,
      JSON.stringify({
        issue: { number: pr, pull_request: { url: 'x' } },
        comment: { body: '/orixoon approve all' },
      }),
    );
    const before = new Set(gh.checkRuns.keys());
    const h = githubHarness(env, checkSettings);
    expect(h.integration.context.pr).toBe(pr);
    expect(h.integration.context.sha).toBeUndefined();
    await h.integration.start();
    expect(h.integration.context.sha).toBe(head);
    await h.integration.publish(healed);
    expect(newRunsSince(before)[0]).toMatchObject({ head_sha: head, conclusion: 'success' });
  });
});
