// The sticky PR comment: one per PR, found by a hidden marker AND by its author being this token's
// own identity, created once and then updated in place. Its hidden metadata records which approval
// ids were proposed, when, and for which head commit (the approval rules read it back).
import { createHash } from 'node:crypto';
import type { IssueComment } from './client.js';
import type { RenderedComment } from '../report/pr-comment.js';

export const STICKY_MARKER = '<!-- orixoon:sticky -->';
const META_PREFIX = '<!-- orixoon:meta ';
const META_RE = /<!-- orixoon:meta (\{.*?\}) -->/s;
/** The login GITHUB_TOKEN comments as. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

export interface StickyMetadata {
  v: 1;
  /** Head commit the proposals are for. */
  sha?: string;
  /** Approval id → ISO time it was first proposed in this comment. */
  proposals: Record<string, string>;
  /** Hash of the comment's content without footer (the `on-change` mode compares it). */
  content?: string;
}

/**
 * Who this token writes comments as. `login` comes from GET /user (a PAT or user token). An
 * installation token (GITHUB_TOKEN, a GitHub App) may not call GET /user; its comments are written
 * by a bot account (`github-actions[bot]` for GITHUB_TOKEN, `<app>[bot]` for an app).
 */
export interface CommentIdentity {
  login?: string;
  installation: boolean;
}

export function isBotAccount(user: { login: string; type?: string } | null | undefined): boolean {
  if (!user) return false;
  return user.type === 'Bot' || /\[bot\]$/i.test(user.login);
}

export function formatMetadata(meta: StickyMetadata): string {
  // `<` and `>` are escaped so nothing in an id can close the HTML comment.
  const json = JSON.stringify(meta).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${META_PREFIX}${json} -->`;
}

export function parseMetadata(body: string): StickyMetadata | undefined {
  const m = META_RE.exec(body);
  if (!m?.[1]) return undefined;
  try {
    const raw: unknown = JSON.parse(m[1]);
    if (!raw || typeof raw !== 'object') return undefined;
    const obj = raw as Record<string, unknown>;
    const proposals: Record<string, string> = {};
    if (obj.proposals && typeof obj.proposals === 'object') {
      for (const [id, at] of Object.entries(obj.proposals as Record<string, unknown>)) {
        if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) proposals[id] = at;
      }
    }
    return {
      v: 1,
      sha: typeof obj.sha === 'string' ? obj.sha : undefined,
      proposals,
      content: typeof obj.content === 'string' ? obj.content : undefined,
    };
  } catch {
    return undefined;
  }
}

export function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

export function composeBody(rendered: RenderedComment, meta: StickyMetadata): string {
  return `${STICKY_MARKER}\n${formatMetadata(meta)}\n${rendered.content}\n\n${rendered.footer}\n`;
}

/** True when the comment carries the marker and was written by this token's identity. */
export function isOwnSticky(comment: IssueComment, identity: CommentIdentity): boolean {
  if (!comment.body.includes(STICKY_MARKER)) return false;
  if (!comment.user) return false;
  if (identity.login) return comment.user.login.toLowerCase() === identity.login.toLowerCase();
  return identity.installation && isBotAccount(comment.user);
}

/**
 * Our sticky comments, best first: with a known login only that user's; with an installation token
 * github-actions[bot]'s (or one made through the github-actions app) first, then other bots', oldest
 * first. The caller updates the first one it may edit.
 */
export function findStickyComments(comments: IssueComment[], identity: CommentIdentity): IssueComment[] {
  const own = comments.filter((c) => isOwnSticky(c, identity));
  const rank = (c: IssueComment): number =>
    c.user?.login === ACTIONS_BOT_LOGIN || c.performed_via_github_app?.slug === 'github-actions' ? 0 : 1;
  return own
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * Proposal times for the ids pending now: an id already proposed for the same head commit keeps
 * its first time (an approval made since then still counts); new ids get `now`.
 */
export function nextProposals(
  previous: StickyMetadata | undefined,
  sha: string | undefined,
  pendingIds: string[],
  now: Date,
): Record<string, string> {
  const keep = previous && previous.sha === sha ? previous.proposals : {};
  const out: Record<string, string> = {};
  for (const id of pendingIds) out[id] = keep[id] ?? now.toISOString();
  return out;
}
