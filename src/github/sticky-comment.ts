// The sticky PR comment: one per PR, found by a hidden marker AND by its author being this token's
// own account, created once and then updated in place. Its hidden metadata records which approval
// ids were proposed, when, and for which head commit (the approval rules read it back, bounded by the
// comment's own API timestamps, which no comment text can change).
import { createHash } from 'node:crypto';
import type { IssueComment } from './client.js';
import type { RenderedComment } from '../report/pr-comment.js';
import { stickyMarker } from './keys.js';

export { COMMENT_HEADER_RE, STICKY_MARKER, stickyMarker } from './keys.js';

const META_PREFIX = '<!-- orixoon:meta ';
const META_RE = /<!-- orixoon:meta (\{.*?\}) -->/s;

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
 * The account this token writes comments as: from GET /user for a user token (PAT), from GraphQL
 * `viewer` for an installation token (GITHUB_TOKEN → `github-actions[bot]`, a GitHub App →
 * `<app-slug>[bot]`), which may not call GET /user.
 */
export interface CommentIdentity {
  login: string;
  /** A bot account (`…[bot]`): its comments must also be of type Bot, made through its own app. */
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

export function composeBody(rendered: RenderedComment, meta: StickyMetadata, header?: string): string {
  // A keyed comment says which job wrote it, above the report (two look alike otherwise).
  const title = header ? `<sub>Orixoon · ${header}</sub>\n\n` : '';
  return `${stickyMarker(header)}\n${formatMetadata(meta)}\n${title}${rendered.content}\n\n${rendered.footer}\n`;
}

/**
 * True when `comment` was written by this token's own account: the same login, and for a bot
 * account also of type Bot and (when the API names one) made through the app of that name. Another
 * bot's comment is never ours, whatever its text says.
 */
export function isOwnComment(comment: IssueComment, identity: CommentIdentity): boolean {
  const user = comment.user;
  if (!user || user.login.toLowerCase() !== identity.login.toLowerCase()) return false;
  if (!identity.installation) return true;
  if (user.type !== 'Bot') return false;
  const app = comment.performed_via_github_app?.slug;
  return !app || `${app}[bot]`.toLowerCase() === identity.login.toLowerCase();
}

/** True when the comment carries the marker (of `header`) and was written by this token's account. */
export function isOwnSticky(comment: IssueComment, identity: CommentIdentity, header?: string): boolean {
  return comment.body.includes(stickyMarker(header)) && isOwnComment(comment, identity);
}

/** Our sticky comments (for `header`), oldest first (the first one is updated). */
export function findStickyComments(
  comments: IssueComment[],
  identity: CommentIdentity,
  header?: string,
): IssueComment[] {
  return comments.filter((c) => isOwnSticky(c, identity, header));
}

/**
 * The proposals our own sticky comment makes for `headSha`, as epoch milliseconds. A recorded time
 * is bounded by the comment's own `created_at` and `updated_at` from the API: no proposal is older
 * than the comment that carries it (a back-dated time in the text counts from the comment's
 * creation), and clock skew between the runner and GitHub never puts one after the last write.
 * Empty when the comment is not for this head commit.
 */
export function trustedProposals(
  sticky: IssueComment | undefined,
  meta: StickyMetadata | undefined,
  headSha: string | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  if (!sticky || !meta?.sha || !headSha || meta.sha !== headSha) return out;
  const created = Date.parse(sticky.created_at);
  const updated = Date.parse(sticky.updated_at);
  if (Number.isNaN(created)) return out;
  const latest = Number.isNaN(updated) ? created : Math.max(created, updated);
  for (const [id, at] of Object.entries(meta.proposals)) {
    const t = Date.parse(at);
    if (!Number.isNaN(t)) out.set(id, Math.min(Math.max(t, created), latest));
  }
  return out;
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
