// The approval rules and the sticky comment's hidden metadata, without any server: who may approve,
// when, for which commit; and a metadata block nothing can break out of.
import { describe, expect, it } from 'vitest';
import {
  findCommentApproval,
  hasWriteAccess,
  parseApproveComment,
  parseApproveCommand,
} from '../../src/github/approvals.js';
import type { CollaboratorPermission, IssueComment } from '../../src/github/client.js';
import {
  composeBody,
  findStickyComments,
  formatMetadata,
  nextProposals,
  parseMetadata,
  STICKY_MARKER,
  trustedProposals,
  type StickyMetadata,
} from '../../src/github/sticky-comment.js';

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const T0 = '2025-01-10T14:30:00.000Z';

function comment(id: number, login: string, body: string, at: string, type = 'User'): IssueComment {
  return {
    id,
    body,
    user: { login, type },
    created_at: at,
    updated_at: at,
    html_url: `https://x/${id}`,
    performed_via_github_app: null,
  };
}

const perms: Record<string, CollaboratorPermission> = {
  alice: { permission: 'write', roleName: 'write' },
  mia: { permission: 'write', roleName: 'maintain' },
  bob: { permission: 'read', roleName: 'read' },
  cus: { permission: 'read', roleName: 'deployer' },
};
const permissionOf = async (login: string): Promise<CollaboratorPermission> => {
  const p = perms[login];
  if (!p) throw new Error('HTTP 404 Not Found');
  return p;
};
const meta: StickyMetadata = { v: 1, sha: SHA, proposals: { 'api-crash_loop-a1b2c3d': T0 } };

describe('parseApproveCommand', () => {
  it('reads ids from command lines only', () => {
    expect(parseApproveCommand('/orixoon approve a b,c')).toEqual(['a', 'b', 'c']);
    expect(parseApproveCommand('LGTM\n  /Orixoon  APPROVE  ALL  ')).toEqual(['all']);
    expect(parseApproveCommand('/orixoon approve `x-1`')).toEqual(['x-1']);
    expect(parseApproveCommand('> /orixoon approve x\nplease /orixoon approve y')).toEqual([]);
    expect(parseApproveCommand('/orixoon approved x')).toEqual([]);
  });

  it('a command counts only on a line of its own, outside code, quotes and HTML comments', () => {
    const rejected = (body: string): string[] => parseApproveComment(body).rejected.map((r) => r.reason);
    expect(parseApproveCommand('```\n/orixoon approve x\n```')).toEqual([]);
    expect(rejected('```sh\n/orixoon approve x\n```')).toEqual([
      expect.stringContaining('inside a code block'),
    ]);
    expect(parseApproveCommand('~~~~\n```\n/orixoon approve x\n~~~~')).toEqual([]);
    expect(parseApproveCommand('````\n```\n/orixoon approve x\n````\n/orixoon approve y')).toEqual(['y']);
    expect(parseApproveCommand('> a\n/orixoon approve x')).toEqual([]);
    expect(rejected('> a\n/orixoon approve x')).toEqual([expect.stringContaining('quoted')]);
    expect(parseApproveCommand('> a\n\n/orixoon approve x')).toEqual(['x']);
    expect(parseApproveCommand('<!--\n/orixoon approve x\n-->')).toEqual([]);
    expect(parseApproveCommand('<!-- a --> \n/orixoon approve x')).toEqual(['x']);
    expect(parseApproveCommand('<details>\n/orixoon approve x\n</details>')).toEqual([]);
    expect(parseApproveCommand('<details>\n\n/orixoon approve x')).toEqual(['x']);
    expect(parseApproveCommand('<b>LGTM</b>\n/orixoon approve x')).toEqual(['x']);
    expect(parseApproveCommand('text\n\n    /orixoon approve x')).toEqual([]);
    expect(parseApproveCommand('\t/orixoon approve x')).toEqual([]);
  });

  it('takes approval ids or exactly `all`; anything else rejects the whole line', () => {
    const reasons = (body: string): string[] => parseApproveComment(body).rejected.map((r) => r.reason);
    expect(parseApproveCommand('/orixoon approve ox-1 only, not all')).toEqual([]);
    expect(reasons('/orixoon approve ox-1 only, not all')).toEqual([
      expect.stringContaining('`all` must stand alone'),
    ]);
    expect(parseApproveCommand('/orixoon approve-later ox-1')).toEqual([]);
    expect(reasons('/orixoon approve-later ox-1')).toEqual([
      expect.stringContaining('not an approve command'),
    ]);
    expect(parseApproveCommand('/orixoon approve')).toEqual([]);
    expect(parseApproveCommand('/orixoon approve ox-1 (later)')).toEqual([]);
    expect(parseApproveCommand('/orixoon approve all all')).toEqual([]);
    expect(parseApproveCommand('/orixoon approve ox-1\n/orixoon approve-later ox-2')).toEqual(['ox-1']);
    expect(parseApproveComment('/orixoon approve ox-1, ox-2').commands).toEqual([
      { line: '/orixoon approve ox-1, ox-2', ids: ['ox-1', 'ox-2'] },
    ]);
  });

  it('write, maintain and admin approve; read, triage and custom read roles do not', () => {
    expect(hasWriteAccess({ permission: 'write', roleName: 'maintain' })).toBe(true);
    expect(hasWriteAccess({ permission: 'admin' })).toBe(true);
    expect(hasWriteAccess({ permission: 'read', roleName: 'triage' })).toBe(false);
    expect(hasWriteAccess({ permission: 'none' })).toBe(false);
    expect(hasWriteAccess({ permission: 'read', roleName: 'deployer' })).toBe(false);
  });
});

describe('findCommentApproval', () => {
  const id = 'api-crash_loop-a1b2c3d';
  const after = '2025-01-10T14:31:00Z';
  // Our own sticky comment (id 1), written at the proposal time.
  const sticky = comment(1, 'github-actions[bot]', STICKY_MARKER, T0, 'Bot');
  const run = (comments: IssueComment[], m: StickyMetadata | null = meta, headSha = SHA) =>
    findCommentApproval(
      id,
      { comments, stickyId: 1, proposals: trustedProposals(sticky, m ?? undefined, headSha), headSha },
      permissionOf,
    );

  it('approves: write user, after the proposal, same commit', async () => {
    const d = await run([comment(2, 'alice', `/orixoon approve ${id}`, after)]);
    expect(d.approval).toEqual({ id, via: 'comment', by: 'alice', at: after, url: 'https://x/2' });
  });

  it('skips denied comments and takes the first valid one', async () => {
    const d = await run([
      comment(2, 'bob', `/orixoon approve ${id}`, after),
      comment(3, 'renovate[bot]', '/orixoon approve all', after, 'Bot'),
      comment(4, 'ghost', '/orixoon approve all', after),
      comment(5, 'mia', '/orixoon approve all', '2025-01-10T14:32:00Z'),
    ]);
    expect(d.approval?.by).toBe('mia');
    expect(d.denied).toHaveLength(3);
    expect(d.denied[2]).toContain('could not read the user');
  });

  it('denies: before the proposal, equal time, other commit, no proposal, no metadata, bot named like a user', async () => {
    const c = (at: string, login = 'alice', type = 'User') => [
      comment(2, login, `/orixoon approve ${id}`, at, type),
    ];
    expect((await run(c('2025-01-10T14:29:59Z'))).approval).toBeUndefined();
    expect((await run(c(T0))).approval).toBeUndefined();
    expect((await run(c(after), meta, 'f'.repeat(40))).approval).toBeUndefined();
    expect((await run(c(after), { v: 1, sha: SHA, proposals: {} })).approval).toBeUndefined();
    expect((await run(c(after), null)).approval).toBeUndefined();
    expect((await run(c(after, 'alice[bot]'))).approval).toBeUndefined();
  });

  it('a line naming an id that is not pending counts for none of its ids', async () => {
    const d = await run([comment(2, 'alice', `/orixoon approve ${id} only`, after)]);
    expect(d.approval).toBeUndefined();
    expect(d.denied[0]).toContain('not understood as an approval: only is not pending for commit a1b2c3d');
  });

  it('never counts the sticky comment itself', async () => {
    const d = await run([comment(1, 'alice', `/orixoon approve ${id}`, after)]);
    expect(d.approval).toBeUndefined();
  });
});

describe('sticky metadata', () => {
  it('round-trips and cannot be closed early by an id', () => {
    const m: StickyMetadata = {
      v: 1,
      sha: SHA,
      proposals: { 'evil--><script>': T0, ok: T0 },
      content: 'abc',
    };
    const block = formatMetadata(m);
    expect(block.indexOf('-->')).toBe(block.length - 3);
    expect(block).not.toContain('<script>');
    const body = composeBody({ content: 'hello', footer: 'f' }, m);
    expect(body.startsWith(`${STICKY_MARKER}\n`)).toBe(true);
    expect(parseMetadata(body)).toEqual(m);
    expect(parseMetadata('no meta')).toBeUndefined();
    expect(parseMetadata('<!-- orixoon:meta {broken -->')).toBeUndefined();
  });

  it('a proposal time is bounded by the sticky comment’s own API timestamps, and only for its commit', () => {
    const created = '2025-01-10T14:00:00.000Z';
    const updated = '2025-01-10T15:00:00.000Z';
    const sticky = {
      ...comment(1, 'github-actions[bot]', STICKY_MARKER, created, 'Bot'),
      updated_at: updated,
    };
    const m: StickyMetadata = {
      v: 1,
      sha: SHA,
      proposals: {
        old: '2000-01-01T00:00:00.000Z',
        mid: '2025-01-10T14:30:00.000Z',
        future: '2030-01-01T00:00:00.000Z',
      },
    };
    expect(Object.fromEntries(trustedProposals(sticky, m, SHA))).toEqual({
      old: Date.parse(created),
      mid: Date.parse('2025-01-10T14:30:00.000Z'),
      future: Date.parse(updated),
    });
    expect(trustedProposals(sticky, m, 'f'.repeat(40)).size).toBe(0);
    expect(trustedProposals(undefined, m, SHA).size).toBe(0);
    expect(trustedProposals(sticky, { ...m, sha: undefined }, SHA).size).toBe(0);
  });

  it('keeps the first proposal time for the same commit and resets it for a new one', () => {
    const now = new Date('2025-01-10T15:00:00.000Z');
    expect(nextProposals(meta, SHA, ['api-crash_loop-a1b2c3d', 'new'], now)).toEqual({
      'api-crash_loop-a1b2c3d': T0,
      new: now.toISOString(),
    });
    expect(nextProposals(meta, 'f'.repeat(40), ['api-crash_loop-a1b2c3d'], now)).toEqual({
      'api-crash_loop-a1b2c3d': now.toISOString(),
    });
    expect(nextProposals(meta, SHA, [], now)).toEqual({});
  });

  it('identity: only comments by the token’s own account are ours, never another bot’s', () => {
    const body = `${STICKY_MARKER}\nx`;
    const comments = [
      comment(1, 'other-app[bot]', body, T0, 'Bot'),
      comment(2, 'alice', body, T0),
      comment(3, 'github-actions[bot]', body, T0, 'Bot'),
      comment(4, 'github-actions[bot]', 'no marker', T0, 'Bot'),
    ];
    expect(findStickyComments(comments, { login: 'alice', installation: false }).map((c) => c.id)).toEqual([
      2,
    ]);
    const actions = { login: 'github-actions[bot]', installation: true };
    expect(findStickyComments(comments, actions).map((c) => c.id)).toEqual([3]);
    expect(
      findStickyComments(comments, { login: 'other-app[bot]', installation: true }).map((c) => c.id),
    ).toEqual([1]);
    // A person whose login imitates a bot's, and a bot comment made through another app, are not ours.
    const imitations = [
      comment(5, 'github-actions[bot]', body, T0, 'User'),
      { ...comment(6, 'github-actions[bot]', body, T0, 'Bot'), performed_via_github_app: { slug: 'evil' } },
      {
        ...comment(7, 'github-actions[bot]', body, T0, 'Bot'),
        performed_via_github_app: { slug: 'github-actions' },
      },
    ];
    expect(findStickyComments(imitations, actions).map((c) => c.id)).toEqual([7]);
  });
});
