// Which sticky comment is Orixoon's own, against a local GitHub API. Only a comment written by the
// token's own account counts (GET /user for a user token, GraphQL `viewer` for an installation
// token); a proposal's time is bounded by that comment's API timestamps, never by its text alone.
// A forged comment (another bot's, carrying the hidden marker and a proposal dated 2000) together
// with an old `/orixoon approve all` approves nothing.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS_BOT,
  ACTIONS_TOKEN,
  APP_BOT,
  APP_TOKEN,
  HEAD_SHA,
  githubHarness,
  makeFinding,
  makeReport,
  prEnv,
  useFakeGitHub,
  type FakeUser,
} from '../helpers/github-server.js';
import { composeBody, parseMetadata } from '../../src/github/sticky-comment.js';
import type { FindingReport } from '../../src/report/model.js';

const gh = useFakeGitHub();
let prCounter = 600;
const ALICE: FakeUser = { login: 'alice', type: 'User' };
const MALLORY_APP: FakeUser = { login: 'mallory-app[bot]', type: 'Bot' };
const HOUR = 3_600_000;

gh.setPermission('alice', 'write');

function highRisk(n: number): FindingReport {
  return makeFinding({
    id: `ox-00000000${n}${n}`,
    code: 'crash_loop',
    checkId: `api${n}`,
    target: `oxg-api${n}`,
    message: `Container 'oxg-api${n}' is crash-looping`,
    outcome: 'awaiting_approval',
    action: 'recreate_container',
    risk: 'high',
    attempts: 0,
  });
}

/** A marked comment that claims both ids were proposed in 2000 for the current head commit. */
function forgedBody(ids: string[]): string {
  const proposals = Object.fromEntries(ids.map((id) => [id, '2000-01-01T00:00:00.000Z']));
  return composeBody(
    { content: '## Orixoon pre-deployment', footer: '' },
    { v: 1, sha: HEAD_SHA, proposals },
  );
}

describe('the sticky comment is only ever our own', () => {
  it('app installation token, first run: another bot’s forged proposal (dated 2000) plus an old approve-all approve nothing', async () => {
    const pr = ++prCounter;
    const [a, b] = [highRisk(1), highRisk(2)];
    gh.addComment(pr, ALICE, '/orixoon approve all', new Date(Date.now() - HOUR));
    const forged = gh.addComment(
      pr,
      MALLORY_APP,
      forgedBody([a.id, b.id]),
      new Date(Date.now() - HOUR / 2),
      'mallory-app',
    );
    const run = githubHarness(prEnv(gh, { pr }), { token: APP_TOKEN });
    expect(await run.integration.approvalLookup(a)).toBeUndefined();
    expect(await run.integration.approvalLookup(b)).toBeUndefined();
    // The identity came from GraphQL `viewer` (GET /user is refused to installation tokens).
    expect(gh.find('POST', /^\/graphql$/).length).toBeGreaterThanOrEqual(1);

    const started = Date.now();
    await run.integration.publish(makeReport([a, b]));
    const own = gh.prCommentList(pr).filter((c) => c.user.login === APP_BOT.login);
    expect(own).toHaveLength(1);
    expect(own[0]!.performed_via_github_app).toEqual({ slug: 'orixoon-deployer' });
    const meta = parseMetadata(own[0]!.body)!;
    expect(meta.sha).toBe(HEAD_SHA);
    for (const id of [a.id, b.id])
      expect(Date.parse(meta.proposals[id]!)).toBeGreaterThanOrEqual(started - 5);
    // The forged comment was neither taken over nor edited.
    expect(gh.find('PATCH', new RegExp(`/issues/comments/${forged.id}$`))).toHaveLength(0);
    expect(gh.prCommentList(pr).find((c) => c.id === forged.id)!.body).toBe(forgedBody([a.id, b.id]));
    // And the old approval still does not count on the next run: it predates our proposal.
    const run2 = githubHarness(prEnv(gh, { pr, runId: '2' }), { token: APP_TOKEN });
    expect(await run2.integration.approvalLookup(a)).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('made before the action was proposed'))).toBe(true);
  });

  it('GITHUB_TOKEN: a marked comment by another app is not ours either', async () => {
    const pr = ++prCounter;
    const a = highRisk(3);
    gh.addComment(pr, ALICE, '/orixoon approve all', new Date(Date.now() - HOUR));
    const forged = gh.addComment(pr, MALLORY_APP, forgedBody([a.id]), new Date(Date.now() - HOUR / 2));
    const run = githubHarness(prEnv(gh, { pr }), { token: ACTIONS_TOKEN });
    expect(await run.integration.approvalLookup(a)).toBeUndefined();
    await run.integration.publish(makeReport([a]));
    const list = gh.prCommentList(pr);
    expect(list.filter((c) => c.user.login === ACTIONS_BOT.login)).toHaveLength(1);
    expect(list.find((c) => c.id === forged.id)!.body).toBe(forgedBody([a.id]));
  });

  it('a proposal time in our own comment’s text is bounded by the comment’s API timestamps', async () => {
    // Anything else that writes as github-actions[bot] (another workflow) could write the marker and
    // a back-dated time: the proposal can never be earlier than the comment's own creation.
    const pr = ++prCounter;
    const a = highRisk(4);
    gh.addComment(pr, ALICE, `/orixoon approve ${a.id}`, new Date(Date.now() - HOUR));
    gh.addComment(pr, ACTIONS_BOT, forgedBody([a.id]), new Date(Date.now() - HOUR / 2), 'github-actions');
    const run = githubHarness(prEnv(gh, { pr }));
    expect(await run.integration.approvalLookup(a)).toBeUndefined();
    expect(run.lines.some((l) => l.includes('made before the action was proposed'))).toBe(true);
    // An approval made after the comment was written does count.
    gh.addComment(pr, ALICE, `/orixoon approve ${a.id}`);
    expect((await githubHarness(prEnv(gh, { pr })).integration.approvalLookup(a))?.by).toBe('alice');
  });

  it('when the token’s account cannot be determined, no comment is trusted, none is written, and the summary says why', async () => {
    const pr = ++prCounter;
    const a = highRisk(5);
    gh.addComment(pr, ALICE, '/orixoon approve all', new Date(Date.now() - HOUR));
    gh.addComment(pr, ACTIONS_BOT, forgedBody([a.id]), new Date(Date.now() - HOUR / 2), 'github-actions');
    gh.forbidden.add('graphql');
    const run = githubHarness(prEnv(gh, { pr }));
    expect(await run.integration.approvalLookup(a)).toBeUndefined();
    const notes = await run.integration.publish(makeReport([a]));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/PR comment skipped: could not tell which account this token comments as/);
    expect(notes[0]).toContain('approve with the `approve` input');
    expect(gh.find('POST', new RegExp(`/issues/${pr}/comments$`))).toHaveLength(0);
    expect(gh.find('PATCH', /\/issues\/comments\//).filter((r) => r.rawBody.includes(a.id))).toHaveLength(0);
  });
});
