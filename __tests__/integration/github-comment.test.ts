// The sticky PR comment against a local GitHub API: created once, updated in place, never twice;
// comment modes; fork PRs and read-only tokens; size limit; no secret in any request body.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS_BOT,
  HEAD_SHA,
  PAT_TOKEN,
  PAT_USER,
  githubHarness,
  makeFinding,
  makeReport,
  prEnv,
  useFakeGitHub,
} from '../helpers/github-server.js';
import { STICKY_MARKER } from '../../src/github/index.js';
import { parseMetadata } from '../../src/github/sticky-comment.js';

const gh = useFakeGitHub();

// Each test works on its own PR number so state never leaks between tests.
let prCounter = 100;
function nextPr(): number {
  return ++prCounter;
}

const healed = makeReport([makeFinding()]);
const blocked = makeReport([
  makeFinding({
    outcome: 'failed',
    reason: 'still exited',
    attempts: 3,
    failure: {
      attempted: 'start_container',
      attempts: 3,
      lastError: 'exit 1',
      recommendation: 'check the logs',
    },
  }),
]);
const passed = makeReport([]);

describe('sticky PR comment', () => {
  it('creates the comment on the first run and updates the same comment on the next, never a second one', async () => {
    const pr = nextPr();
    const env = prEnv(gh, { pr });
    const run1 = githubHarness(env);
    expect(await run1.integration.publish(blocked)).toEqual([]);
    const afterRun1 = gh.prCommentList(pr);
    expect(afterRun1).toHaveLength(1);
    const comment = afterRun1[0]!;
    expect(comment.user.login).toBe('github-actions[bot]');
    expect(comment.body.startsWith(STICKY_MARKER)).toBe(true);
    expect(comment.body).toContain('⛔ Orixoon pre-deployment: blocked');
    expect(comment.body).toContain(
      "| ❌&nbsp;failed | Docker container 'redis' not running<br><sub>`container_not_running` · check `redis`</sub> | `start_container`<br><sub>low risk · 3 tries · 1.2 s</sub> |",
    );
    expect(comment.body).toContain('[workflow run](https://github.example/acme/shop/actions/runs/4242)');
    expect(comment.body).toContain(`Commit \`${HEAD_SHA.slice(0, 7)}\``);
    expect(parseMetadata(comment.body)?.sha).toBe(HEAD_SHA);

    const run2 = githubHarness(prEnv(gh, { pr, runId: '4243' }));
    expect(await run2.integration.publish(healed)).toEqual([]);
    const afterRun2 = gh.prCommentList(pr);
    expect(afterRun2).toHaveLength(1);
    expect(afterRun2[0]!.id).toBe(comment.id);
    expect(afterRun2[0]!.body).toContain('🩹 Orixoon pre-deployment: healed');
    expect(afterRun2[0]!.body).not.toContain('blocked');
    const posts = gh.find('POST', new RegExp(`/issues/${pr}/comments$`));
    const patches = gh.find('PATCH', new RegExp(`/issues/comments/${comment.id}$`));
    expect(posts).toHaveLength(1);
    expect(patches).toHaveLength(1);
    expect(run2.lines.some((l) => l.startsWith('💬 PR comment updated'))).toBe(true);
  });

  it('sends no PATCH when the body would not change', async () => {
    const pr = nextPr();
    const env = prEnv(gh, { pr });
    await githubHarness(env).integration.publish(healed);
    const before = gh.requests.length;
    const again = githubHarness(env);
    expect(await again.integration.publish(healed)).toEqual([]);
    // The GraphQL `viewer` query (who this installation token is) is a read sent as a POST.
    const writes = gh.requests
      .slice(before)
      .filter((r) => r.method !== 'GET' && !(r.method === 'POST' && r.path === '/graphql'));
    expect(writes).toEqual([]);
    expect(gh.prCommentList(pr)).toHaveLength(1);
    expect(again.lines.some((l) => l.startsWith('💬 PR comment unchanged'))).toBe(true);
  });

  it('a second publish in the same run updates, it does not create again', async () => {
    const pr = nextPr();
    const h = githubHarness(prEnv(gh, { pr }));
    await h.integration.publish(blocked);
    await h.integration.publish(healed);
    expect(gh.prCommentList(pr)).toHaveLength(1);
    expect(gh.prCommentList(pr)[0]!.body).toContain('healed');
  });

  it('never takes a comment by someone else for its own, even with the marker', async () => {
    const pr = nextPr();
    const forged = gh.addComment(pr, { login: 'mallory', type: 'User' }, `${STICKY_MARKER}\nquoted marker`);
    await githubHarness(prEnv(gh, { pr })).integration.publish(healed);
    const list = gh.prCommentList(pr);
    expect(list).toHaveLength(2);
    expect(list.find((c) => c.id === forged.id)!.body).toBe(`${STICKY_MARKER}\nquoted marker`);
    expect(gh.find('PATCH', new RegExp(`/issues/comments/${forged.id}$`))).toHaveLength(0);
  });

  it('with a personal access token, matches the token user from GET /user (not github-actions[bot])', async () => {
    const pr = nextPr();
    const env = prEnv(gh, { pr });
    await githubHarness(env).integration.publish(healed); // by github-actions[bot]
    const pat1 = githubHarness(env, { token: PAT_TOKEN });
    await pat1.integration.publish(blocked);
    const pat2 = githubHarness(prEnv(gh, { pr, runId: '999' }), { token: PAT_TOKEN });
    await pat2.integration.publish(healed);
    const list = gh.prCommentList(pr);
    expect(list.map((c) => c.user.login)).toEqual([ACTIONS_BOT.login, PAT_USER.login]);
    expect(list[0]!.body).toContain('healed'); // the bot's own comment was not touched by the PAT runs
    expect(list[1]!.body).toContain('healed');
    expect(gh.find('GET', /^\/user$/).length).toBeGreaterThanOrEqual(2);
  });

  it('on-failure: no comment while passing, created when blocked, then updated (not left stale) when it passes', async () => {
    const pr = nextPr();
    const settings = { comment: 'on-failure' as const };
    await githubHarness(prEnv(gh, { pr }), settings).integration.publish(passed);
    expect(gh.prCommentList(pr)).toHaveLength(0);
    await githubHarness(prEnv(gh, { pr }), settings).integration.publish(blocked);
    expect(gh.prCommentList(pr)).toHaveLength(1);
    await githubHarness(prEnv(gh, { pr, runId: '5000' }), settings).integration.publish(passed);
    const list = gh.prCommentList(pr);
    expect(list).toHaveLength(1);
    expect(list[0]!.body).toContain('✅ Orixoon pre-deployment: passed');
  });

  it('on-failure agrees with the step and the check run: an unresolved warning under fail-on: warning comments; fail-on: never does not', async () => {
    const warning = makeFinding({
      code: 'redis_high_memory',
      checkId: 'cache',
      message: 'Redis memory 85% of maxmemory',
      severity: 'warning',
      outcome: 'failed',
      reason: 'not healed: warnings are reported, not healed',
    });
    const settings = { comment: 'on-failure' as const, checkRun: true };
    // Each case: the report as the builder decides it, then what the step, the check run and the comment do.
    const cases = [
      { report: makeReport([warning], { failOn: 'warning' }), stepFails: true },
      { report: makeReport([warning], { failOn: 'blocked' }), stepFails: false },
      { report: makeReport([makeFinding({ outcome: 'failed' })], { failOn: 'never' }), stepFails: false },
      { report: makeReport([makeFinding({ outcome: 'failed' })], { failOn: 'blocked' }), stepFails: true },
    ];
    for (const { report, stepFails } of cases) {
      const pr = nextPr();
      const before = new Set(gh.checkRuns.keys());
      // The step fails exactly when the built report holds the deployment (main.ts reads nothing else).
      expect(report.deployment === 'blocked', report.headline).toBe(stepFails);
      expect(await githubHarness(prEnv(gh, { pr }), settings).integration.publish(report)).toEqual([]);
      const runs = [...gh.checkRuns.values()].filter((r) => !before.has(r.id));
      expect(runs, report.headline).toHaveLength(1);
      expect(runs[0]!.conclusion, report.headline).toBe(stepFails ? 'failure' : 'success');
      expect(gh.prCommentList(pr), report.headline).toHaveLength(stepFails ? 1 : 0);
    }
  });

  it('on-change: a new run with the same findings leaves the comment alone; always updates the run link', async () => {
    const pr = nextPr();
    await githubHarness(prEnv(gh, { pr, runId: '1' }), { comment: 'on-change' }).integration.publish(healed);
    const [c] = gh.prCommentList(pr);
    const before = gh.find('PATCH', new RegExp(`/issues/comments/${c!.id}$`)).length;
    await githubHarness(prEnv(gh, { pr, runId: '2' }), { comment: 'on-change' }).integration.publish(healed);
    expect(gh.find('PATCH', new RegExp(`/issues/comments/${c!.id}$`)).length).toBe(before);
    expect(gh.prCommentList(pr)[0]!.body).toContain('/runs/1)');
    // Different content: updated.
    await githubHarness(prEnv(gh, { pr, runId: '3' }), { comment: 'on-change' }).integration.publish(blocked);
    expect(gh.prCommentList(pr)[0]!.body).toContain('blocked');
    // `always` refreshes the run link even for the same findings.
    await githubHarness(prEnv(gh, { pr, runId: '4' }), { comment: 'always' }).integration.publish(blocked);
    expect(gh.prCommentList(pr)[0]!.body).toContain('/runs/4)');
    expect(gh.prCommentList(pr)).toHaveLength(1);
  });

  it('on-change: a clean pass creates nothing, a later finding creates it, a clean pass then updates it', async () => {
    const pr = nextPr();
    const settings = { comment: 'on-change' as const };
    await githubHarness(prEnv(gh, { pr, runId: '1' }), settings).integration.publish(passed);
    expect(gh.prCommentList(pr)).toHaveLength(0);
    await githubHarness(prEnv(gh, { pr, runId: '2' }), settings).integration.publish(blocked);
    expect(gh.prCommentList(pr)).toHaveLength(1);
    await githubHarness(prEnv(gh, { pr, runId: '3' }), settings).integration.publish(passed);
    const list = gh.prCommentList(pr);
    expect(list).toHaveLength(1);
    expect(list[0]!.body).toContain('✅ Orixoon pre-deployment: passed');
  });

  it('never: no comment request at all', async () => {
    const pr = nextPr();
    const before = gh.requests.length;
    const notes = await githubHarness(prEnv(gh, { pr }), { comment: 'never' }).integration.publish(blocked);
    expect(notes).toEqual([]);
    expect(gh.requests.slice(before).filter((r) => r.path.includes('/comments'))).toEqual([]);
  });

  it('fork PR with a read-only token: no throw, a note for the job summary, no comment', async () => {
    const pr = nextPr();
    gh.forbidden.add('comments:write');
    const awaiting = makeReport([
      makeFinding({
        outcome: 'awaiting_approval',
        action: 'recreate_container',
        risk: 'high',
        code: 'crash_loop',
      }),
    ]);
    const h = githubHarness(prEnv(gh, { pr, fork: true }));
    const notes = await h.integration.publish(awaiting);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^PR comment skipped: fork PR with a read-only token \(HTTP 403\)/);
    expect(notes[0]).toContain('approve with the `approve` input');
    expect(gh.prCommentList(pr)).toHaveLength(0);
    expect(h.lines.some((l) => l.includes('fork PR with a read-only token'))).toBe(true);
  });

  it('read-only token on a same-repo PR: the note says which permission to grant', async () => {
    const pr = nextPr();
    gh.forbidden.add('comments:read');
    const notes = await githubHarness(prEnv(gh, { pr })).integration.publish(blocked);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('`pull-requests: write`');
  });

  it('an API that never answers: publish resolves with a note after the request timeout', async () => {
    const pr = nextPr();
    gh.hanging.add('comments:read');
    const h = githubHarness(prEnv(gh, { pr }), { timeoutMs: 400 });
    const t0 = Date.now();
    const notes = await h.integration.publish(blocked);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(3_000);
    expect(notes[0]).toMatch(/PR comment not written: .*no answer within 0\.4 s/);
  });

  it('no pull request (push event): nothing posted, no note', async () => {
    const before = gh.requests.length;
    const env: NodeJS.ProcessEnv = {
      ...prEnv(gh),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: '/nonexistent/event.json',
    };
    const h = githubHarness(env);
    expect(h.integration.context.pr).toBeUndefined();
    expect(h.integration.context.sha).toBe(env.GITHUB_SHA);
    expect(await h.integration.publish(blocked)).toEqual([]);
    expect(gh.requests.length).toBe(before);
  });

  it('a huge report is shortened under 65,536 characters with a pointer to the job summary', async () => {
    const pr = nextPr();
    const many = Array.from({ length: 3000 }, (_, i) =>
      makeFinding({
        id: `c${i}-container_not_running-a1b2c3d`,
        checkId: `c${i}`,
        target: `svc-${i}`,
        message: `Docker container 'svc-${i}' not running ${'x'.repeat(80)}`,
        outcome: 'failed',
      }),
    );
    const notes = await githubHarness(prEnv(gh, { pr })).integration.publish(makeReport(many));
    expect(notes).toEqual([]);
    const [c] = gh.prCommentList(pr);
    expect(c!.body.length).toBeLessThan(65_536);
    expect(c!.body.length).toBeGreaterThan(50_000);
    expect(c!.body).toContain('more findings not shown');
    expect(c!.body).toContain('[job summary](https://github.example/acme/shop/actions/runs/4242)');
  });

  it('sends no secret: token, connection string and password never appear in any request body', async () => {
    const pr = nextPr();
    const dbUrl = 'postgres://app:S3cret-Pa55@db.internal:5432/shop';
    const h = githubHarness(prEnv(gh, { pr }));
    h.redactor.add(dbUrl);
    const leaky = makeReport(
      [
        makeFinding({
          outcome: 'failed',
          message: `Database unreachable at ${dbUrl}`,
          failure: {
            attempted: 'restart_container',
            attempts: 1,
            lastError: `connect to ${dbUrl} failed (password S3cret-Pa55)`,
            recommendation: 'x',
          },
        }),
      ],
      { errors: [`token ghs_fakeActionsToken0123456789 rejected`] },
    );
    await h.integration.publish(leaky);
    const bodies = gh.allBodies();
    expect(bodies).toContain('Database unreachable at');
    for (const secret of ['S3cret-Pa55', dbUrl, 'ghs_fakeActionsToken0123456789'])
      expect(bodies).not.toContain(secret);
  });
});
