// Approvals of requires_confirmation actions through PR comments. A `/orixoon approve <id>` (or
// `all`) comment counts only when all of these hold:
//   - its author is a person (not a bot) with write, maintain or admin permission on the repository;
//   - the sticky comment's metadata proposed that id for the PR's current head commit;
//   - the approve comment was created after that proposal.
// Anything else (errors included) denies: approvals fail closed.
import type { ApprovalRecord } from '../report/model.js';
import type { CollaboratorPermission, IssueComment } from './client.js';
import { isBotAccount, type StickyMetadata } from './sticky-comment.js';

const COMMAND_RE = /^\s*\/orixoon\s+approve\b(.*)$/i;
const APPROVING_ROLES = new Set(['admin', 'maintain', 'write']);

/** Ids named by `/orixoon approve …` lines (`all` included as is). Quoted lines (`> …`) never count. */
export function parseApproveCommand(body: string): string[] {
  const ids: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    const m = COMMAND_RE.exec(line);
    if (!m) continue;
    for (const token of (m[1] ?? '').split(/[\s,]+/)) {
      const id = token.replace(/^`+|`+$/g, '').trim();
      if (id) ids.push(id.toLowerCase() === 'all' ? 'all' : id);
    }
  }
  return ids;
}

export function hasWriteAccess(p: CollaboratorPermission): boolean {
  return APPROVING_ROLES.has(p.roleName ?? '') || p.permission === 'admin' || p.permission === 'write';
}

export interface ApprovalSource {
  comments: IssueComment[];
  /** Id of the sticky comment (never an approval itself). */
  stickyId?: number;
  meta?: StickyMetadata;
  /** The PR's current head commit. */
  headSha?: string;
}

export interface ApprovalDecision {
  approval?: ApprovalRecord;
  /** Why each candidate comment did not count (for the log). */
  denied: string[];
}

/**
 * Finds the first comment that validly approves `id`. `permissionOf` answers a user's repository
 * permission (it may cache; a rejected promise denies).
 */
export async function findCommentApproval(
  id: string,
  source: ApprovalSource,
  permissionOf: (login: string) => Promise<CollaboratorPermission>,
): Promise<ApprovalDecision> {
  const denied: string[] = [];
  const candidates = source.comments.filter((c) => {
    if (c.id === source.stickyId) return false;
    const ids = parseApproveCommand(c.body);
    return ids.includes(id) || ids.includes('all');
  });
  if (!candidates.length) return { denied };
  const proposedAt = source.meta?.proposals[id];
  const sameCommit = !!source.meta?.sha && source.meta.sha === source.headSha;
  for (const c of candidates) {
    const who = c.user?.login ?? 'unknown user';
    const where = `comment by @${who} at ${c.created_at}`;
    if (!sameCommit || !proposedAt) {
      denied.push(
        `${where}: ${id} was not proposed for the current head commit ${source.headSha?.slice(0, 7) ?? '(unknown)'}` +
          ' (a push after the proposal needs a new approval)',
      );
      continue;
    }
    if (!(Date.parse(c.created_at) > Date.parse(proposedAt))) {
      denied.push(`${where}: made before the action was proposed (${proposedAt})`);
      continue;
    }
    if (!c.user || isBotAccount(c.user)) {
      denied.push(`${where}: bots cannot approve`);
      continue;
    }
    let permission: CollaboratorPermission;
    try {
      permission = await permissionOf(c.user.login);
    } catch (err) {
      denied.push(
        `${where}: could not read the user's permission (${err instanceof Error ? err.message : String(err)})`,
      );
      continue;
    }
    if (!hasWriteAccess(permission)) {
      denied.push(
        `${where}: needs write, maintain or admin permission (has ${permission.roleName ?? permission.permission})`,
      );
      continue;
    }
    return { approval: { id, via: 'comment', by: c.user.login, at: c.created_at, url: c.html_url }, denied };
  }
  return { denied };
}
