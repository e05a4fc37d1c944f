// The approval rules and the sticky comment's hidden metadata, without any server: who may approve,
// when, for which commit; and a metadata block nothing can break out of.
import { describe, expect, it } from 'vitest';
import { findCommentApproval, hasWriteAccess, parseApproveCommand } from '../../src/github/approvals.js';
import type { CollaboratorPermission, IssueComment } from '../../src/github/client.js';
import {
  composeBody,
  findStickyComments,
  formatMetadata,
  nextProposals,
  parseMetadata,
  STICKY_MARKER,
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
  const run = (comments: IssueComment[], m: StickyMetadata | null = meta, headSha = SHA) =>
    findCommentApproval(id, { comments, stickyId: 1, meta: m ?? undefined, headSha }, permissionOf);

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

  it('identity: a known login matches only itself; an installation token prefers github-actions[bot]', () => {
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
    expect(findStickyComments(comments, { installation: true }).map((c) => c.id)).toEqual([3, 1]);
  });
});
