// Approvals by PR comment against a local GitHub API: run 1 proposes (the sticky comment records
// the id and time for the head commit), a later `/orixoon approve <id>` by a user with write access
// approves it for run 2; everything else (read-only users, bots, comments made before the proposal,
// an older commit, unreadable permissions) does not.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HEAD_SHA,
  githubHarness,
  makeFinding,
  makeReport,
  prEnv,
  useFakeGitHub,
} from '../helpers/github-server.js';
import { parseMetadata } from '../../src/github/sticky-comment.js';
import type { FindingReport } from '../../src/report/model.js';

const gh = useFakeGitHub();
let prCounter = 200;

beforeAll(() => {
  gh.setPermission('alice', 'write');
  gh.setPermission('mia', 'write', 'maintain');
  gh.setPermission('root', 'admin');
  gh.setPermission('bob', 'read');
  gh.setPermission('tia', 'read', 'triage');
  gh.setPermission('dependabot[bot]', 'write');
});

function awaiting(sha = HEAD_SHA): FindingReport {
  return makeFinding({
    id: `api-crash_loop-${sha.slice(0, 7)}`,
    code: 'crash_loop',
    checkId: 'api',
    target: 'oxg-api',
    message: "Container 'oxg-api' is crash-looping (4 restarts in 5 min)",
    outcome: 'awaiting_approval',
    reason: 'high-risk action needs confirmation',
    action: 'recreate_container',
    risk: 'high',
    attempts: 0,
  });
}

/** Run 1: the lookup finds nothing, publish proposes the id. Returns the proposal time. */
async function proposeRun(pr: number, finding = awaiting()): Promise<Date> {
  const run1 = githubHarness(prEnv(gh, { pr, runId: '1' }));
  expect(await run1.integration.approvalLookup(finding)).toBeUndefined();
  await run1.integration.publish(makeReport([finding]));
  const sticky = gh.prCommentList(pr).find((c) => c.user.login === 'github-actions[bot]')!;
  const meta = parseMetadata(sticky.body)!;
  expect(meta.sha).toBe(HEAD_SHA);
  expect(Object.keys(meta.proposals)).toEqual([finding.id]);
  expect(sticky.body).toContain(`\`/orixoon approve ${finding.id}\``);
  const proposedAt = new Date(meta.proposals[finding.id]!);
  // A person answers later than the proposal and the comment that carries it; never within the
  // same millisecond.
  const after = Math.max(proposedAt.getTime(), Date.parse(sticky.updated_at));
  while (Date.now() <= after) await new Promise((r) => setTimeout(r, 1));
  return proposedAt;
}

function laterRun(pr: number, opts: { headSha?: string } = {}) {
  return githubHarness(prEnv(gh, { pr, runId: '2', ...opts }));
}

describe('approvals by PR comment', () => {
  it('a write user approving after the proposal, on the same head commit, approves run 2', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    const c = gh.addComment(
      pr,
      { login: 'alice', type: 'User' },
      `Looks fine.\n/orixoon approve ${awaiting().id}`,
    );
    const run2 = laterRun(pr);
    const approval = await run2.integration.approvalLookup(awaiting());
    expect(approval).toEqual({
      id: awaiting().id,
      via: 'comment',
      by: 'alice',
      at: c.created_at,
      url: c.html_url,
    });
    expect(gh.find('GET', /\/collaborators\/alice\/permission$/)).toHaveLength(1);
  });

  it('`/orixoon approve all` by a maintainer and an approval by an admin both count', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(pr, { login: 'mia', type: 'User' }, '/orixoon approve all');
    expect((await laterRun(pr).integration.approvalLookup(awaiting()))?.by).toBe('mia');

    const pr2 = ++prCounter;
    await proposeRun(pr2);
    gh.addComment(pr2, { login: 'root', type: 'User' }, `/ORIXOON approve \`${awaiting().id}\``);
    expect((await laterRun(pr2).integration.approvalLookup(awaiting()))?.by).toBe('root');
  });

  it('read and triage users do not approve; the log says why', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(pr, { login: 'bob', type: 'User' }, `/orixoon approve ${awaiting().id}`);
    gh.addComment(pr, { login: 'tia', type: 'User' }, '/orixoon approve all');
    const run2 = laterRun(pr);
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(
      run2.lines.some(
        (l) => l.includes('@bob') && l.includes('needs write, maintain or admin permission (has read)'),
      ),
    ).toBe(true);
    expect(run2.lines.some((l) => l.includes('@tia') && l.includes('(has triage)'))).toBe(true);
  });

  it('bots do not approve, even with write permission', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(pr, { login: 'dependabot[bot]', type: 'Bot' }, `/orixoon approve ${awaiting().id}`);
    const run2 = laterRun(pr);
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('bots cannot approve'))).toBe(true);
    expect(gh.find('GET', /\/collaborators\/dependabot%5Bbot%5D\/permission$/)).toHaveLength(0);
  });

  it('a comment made before the proposal does not approve it', async () => {
    const pr = ++prCounter;
    const early = gh.addComment(
      pr,
      { login: 'alice', type: 'User' },
      `/orixoon approve ${awaiting().id}`,
      new Date(Date.now() - 60_000),
    );
    const proposedAt = await proposeRun(pr);
    expect(Date.parse(early.created_at)).toBeLessThan(proposedAt.getTime());
    const run2 = laterRun(pr);
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('made before the action was proposed'))).toBe(true);
  });

  it('a new push (another head commit) invalidates the earlier approval', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(pr, { login: 'alice', type: 'User' }, `/orixoon approve ${awaiting().id}`);
    const newSha = '9999888877776666555544443333222211110000';
    // Even if the engine produced the same id, the proposal was for the old commit.
    const run2 = laterRun(pr, { headSha: newSha });
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('not proposed for the current head commit 9999888'))).toBe(true);
    // Run 2 proposes the new commit's id; the old approval does not carry over to it either.
    const fresh = awaiting(newSha);
    await run2.integration.publish(makeReport([fresh]));
    const meta = parseMetadata(
      gh.prCommentList(pr).find((c) => c.user.login === 'github-actions[bot]')!.body,
    )!;
    expect(meta.sha).toBe(newSha);
    expect(Object.keys(meta.proposals)).toEqual([fresh.id]);
    expect(await laterRun(pr, { headSha: newSha }).integration.approvalLookup(fresh)).toBeUndefined();
    gh.addComment(pr, { login: 'alice', type: 'User' }, `/orixoon approve ${fresh.id}`);
    expect((await laterRun(pr, { headSha: newSha }).integration.approvalLookup(fresh))?.by).toBe('alice');
  });

  it('a quoted approve line, another id, or a forged sticky comment do not approve', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(
      pr,
      { login: 'alice', type: 'User' },
      `> /orixoon approve ${awaiting().id}\nWhat does this do?`,
    );
    gh.addComment(pr, { login: 'alice', type: 'User' }, '/orixoon approve api-crash_loop-0000000');
    expect(await laterRun(pr).integration.approvalLookup(awaiting())).toBeUndefined();
  });

  it('loose approve lines approve nothing, and the sticky comment says which comments were not understood', async () => {
    const pr = ++prCounter;
    const other = makeFinding({
      id: `api2-crash_loop-${HEAD_SHA.slice(0, 7)}`,
      code: 'crash_loop',
      checkId: 'api2',
      outcome: 'awaiting_approval',
      action: 'recreate_container',
      risk: 'high',
    });
    const run1 = githubHarness(prEnv(gh, { pr, runId: '1' }));
    await run1.integration.publish(makeReport([awaiting(), other]));
    const sticky = gh.prCommentList(pr).find((c) => c.user.login === 'github-actions[bot]')!;
    while (Date.now() <= Date.parse(sticky.created_at)) await new Promise((r) => setTimeout(r, 1));
    const alice = { login: 'alice', type: 'User' as const };
    gh.addComment(pr, alice, `/orixoon approve ${awaiting().id} only, not all`);
    gh.addComment(pr, alice, `/orixoon approve-later ${awaiting().id}`);
    gh.addComment(pr, alice, 'Try this:\n```\n/orixoon approve all\n```');
    gh.addComment(pr, alice, `~~~\n/orixoon approve ${other.id}\n~~~`);
    gh.addComment(pr, alice, `> quoted text\n/orixoon approve ${other.id}`);
    gh.addComment(pr, alice, `<!--\n/orixoon approve all\n-->`);
    gh.addComment(pr, alice, `Notes:\n\n    /orixoon approve ${other.id}`);
    const run2 = laterRun(pr);
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(await run2.integration.approvalLookup(other)).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('not understood as an approval'))).toBe(true);
    await run2.integration.publish(makeReport([awaiting(), other]));
    const body = gh.prCommentList(pr).find((c) => c.id === sticky.id)!.body;
    expect(body).toContain('Nothing was approved by');
    expect(body.match(/was not understood as an approval/g)).toHaveLength(7);
    expect(body).toContain('must stand alone on the line');
    expect(body).toContain('inside a code block');
    expect(body).toContain('quoted');
    expect(body).toContain('inside an HTML comment');
    expect(body).toContain('indented');
    // A clean command on a line of its own still approves.
    gh.addComment(pr, alice, `Reviewed.\n/orixoon approve ${awaiting().id}, ${other.id}`);
    const run3 = laterRun(pr);
    expect((await run3.integration.approvalLookup(awaiting()))?.by).toBe('alice');
    expect((await run3.integration.approvalLookup(other))?.by).toBe('alice');
  });

  it('a later re-run keeps the first proposal time, so an approval made between runs still counts', async () => {
    const pr = ++prCounter;
    const first = await proposeRun(pr);
    gh.addComment(pr, { login: 'alice', type: 'User' }, `/orixoon approve ${awaiting().id}`);
    // Run 2 was started before the approval was read (e.g. lookup failed): it re-publishes the pending id.
    await laterRun(pr).integration.publish(makeReport([awaiting()]));
    const meta = parseMetadata(
      gh.prCommentList(pr).find((c) => c.user.login === 'github-actions[bot]')!.body,
    )!;
    expect(meta.proposals[awaiting().id]).toBe(first.toISOString());
    expect((await laterRun(pr).integration.approvalLookup(awaiting()))?.by).toBe('alice');
  });

  it('permission lookups that fail (403) or never answer deny, without throwing', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    gh.addComment(pr, { login: 'alice', type: 'User' }, `/orixoon approve ${awaiting().id}`);
    gh.forbidden.add('permission');
    const run2 = laterRun(pr);
    expect(await run2.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run2.lines.some((l) => l.includes('could not read the user') && l.includes('HTTP 403'))).toBe(
      true,
    );
    gh.forbidden.clear();
    gh.hanging.add('permission');
    const run3 = githubHarness(prEnv(gh, { pr, runId: '3' }), { timeoutMs: 300 });
    expect(await run3.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run3.lines.some((l) => l.includes('no answer within 0.3 s'))).toBe(true);
  });

  it('comments that cannot be read (fork token without read access) give no approval and no throw', async () => {
    const pr = ++prCounter;
    gh.forbidden.add('comments:read');
    const run = githubHarness(prEnv(gh, { pr, fork: true }));
    expect(await run.integration.approvalLookup(awaiting())).toBeUndefined();
    expect(run.lines.some((l) => l.includes('Could not read approvals'))).toBe(true);
  });

  it('reads the PR comments once per run, however many findings ask', async () => {
    const pr = ++prCounter;
    await proposeRun(pr);
    const before = gh.find('GET', new RegExp(`/issues/${pr}/comments$`)).length;
    const run2 = laterRun(pr);
    await Promise.all(
      [1, 2, 3].map((i) =>
        run2.integration.approvalLookup(makeFinding({ id: `x${i}`, outcome: 'awaiting_approval' })),
      ),
    );
    await run2.integration.approvalLookup(awaiting());
    expect(gh.find('GET', new RegExp(`/issues/${pr}/comments$`)).length - before).toBe(1);
  });
});
