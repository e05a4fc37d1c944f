// Approvals of requires_confirmation actions through PR comments. A `/orixoon approve <id>` (or
// `all`) comment counts only when all of these hold:
//   - the command stands on a line of its own, outside code blocks, quotes and HTML comments, and
//     names only approval ids proposed for the current head commit, or exactly `all`;
//   - its author is a person (not a bot) with write, maintain or admin permission on the repository;
//   - our own sticky comment proposed that id for the PR's current head commit;
//   - the approve comment was created after that proposal (bounded by the sticky's API timestamps).
// Anything else (errors included) denies: approvals fail closed.
import type { ApprovalRecord } from '../report/model.js';
import type { CollaboratorPermission, IssueComment } from './client.js';
import { isBotAccount } from './sticky-comment.js';

const APPROVING_ROLES = new Set(['admin', 'maintain', 'write']);
/** Where a command begins (after any quote or indentation was taken off). */
const COMMAND_START = /^\/orixoon\b/i;
const APPROVE = /^\/orixoon\s+approve(?=\s|$)(.*)$/i;
const APPROVAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
// Lines that open an HTML block (CommonMark's block-level tags, or a complete tag alone on its line):
// what follows, up to a blank line, is raw HTML that may not even be shown.
const HTML_BLOCK =
  /^ {0,3}(?:<\/?(?:address|article|aside|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|pre|script|search|section|style|summary|table|tbody|td|textarea|tfoot|th|thead|title|tr|track|ul)(?:[\s/>]|$)|<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>\s*$)/i;
const GRAMMAR = 'write `/orixoon approve <id> …` or `/orixoon approve all` on a line of its own';

/** One understood command line: the approval ids it names, or `['all']`. */
export interface ApproveCommand {
  line: string;
  ids: string[];
}

/** A line that looked like a command but is not one, and why. */
export interface RejectedCommand {
  line: string;
  reason: string;
}

export interface ParsedComment {
  commands: ApproveCommand[];
  rejected: RejectedCommand[];
}

function parseCommandLine(line: string): ApproveCommand | RejectedCommand {
  const m = APPROVE.exec(line);
  if (!m) return { line, reason: `not an approve command (${GRAMMAR})` };
  const tokens = (m[1] ?? '')
    .split(/[\s,]+/)
    .map((t) => t.replace(/^`+|`+$/g, ''))
    .filter(Boolean);
  if (!tokens.length) return { line, reason: `names no approval id (${GRAMMAR})` };
  const bad = tokens.find((t) => t.toLowerCase() !== 'all' && !APPROVAL_ID.test(t));
  if (bad !== undefined) return { line, reason: `\`${bad}\` is not an approval id (${GRAMMAR})` };
  if (tokens.some((t) => t.toLowerCase() === 'all')) {
    if (tokens.length > 1)
      return { line, reason: '`all` must stand alone on the line (`/orixoon approve all`)' };
    return { line, ids: ['all'] };
  }
  return { line, ids: tokens };
}

/**
 * The approve commands of a comment body, and the lines that look like commands but do not count.
 * A command is a line of its own; inside a fenced or indented code block, a quote (including the
 * lines a quote runs on into), an HTML comment or an HTML block it is only text.
 */
export function parseApproveComment(body: string): ParsedComment {
  const commands: ApproveCommand[] = [];
  const rejected: RejectedCommand[] = [];
  let fence: { char: string; length: number } | undefined;
  let htmlComment = false;
  let htmlBlock = false;
  let afterQuote = false;
  const reject = (text: string, reason: string): void => {
    const line = text.trim();
    if (COMMAND_START.test(line)) rejected.push({ line, reason: `${reason}; ${GRAMMAR}` });
  };

  for (const raw of body.split(/\r\n|\r|\n/)) {
    const blank = raw.trim() === '';
    if (htmlComment) {
      if (raw.includes('-->')) htmlComment = false;
      else reject(raw, 'inside an HTML comment');
      continue;
    }
    if (fence) {
      const close = FENCE.exec(raw);
      const run = close?.[1] ?? '';
      if (run[0] === fence.char && run.length >= fence.length && !close?.[2]?.trim()) fence = undefined;
      else reject(raw, 'inside a code block');
      continue;
    }
    if (blank) {
      afterQuote = false;
      htmlBlock = false;
      continue;
    }
    const open = FENCE.exec(raw);
    // A backtick fence's info string has no backticks (otherwise it is inline code).
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = { char: open[1]![0]!, length: open[1]!.length };
      afterQuote = false;
      continue;
    }
    const quote = /^ {0,3}>/.exec(raw);
    if (quote || afterQuote) {
      // A quote runs on into the next lines until a blank line (a lazy continuation).
      afterQuote = true;
      reject(raw.replace(/^(\s*>)+/, ''), 'quoted');
      continue;
    }
    if (htmlBlock) {
      reject(raw, 'inside an HTML block');
      continue;
    }
    const commentStart = raw.indexOf('<!--');
    if (commentStart >= 0 && raw.indexOf('-->', commentStart + 4) < 0) {
      htmlComment = true;
      reject(raw.slice(commentStart + 4), 'inside an HTML comment');
      continue;
    }
    if (HTML_BLOCK.test(raw)) {
      htmlBlock = true;
      continue;
    }
    if (/^( {4,}|\t)/.test(raw)) {
      reject(raw, 'indented (four spaces or a tab make it code)');
      continue;
    }
    const line = raw.trim();
    if (!COMMAND_START.test(line)) continue;
    const parsed = parseCommandLine(line);
    if ('ids' in parsed) commands.push(parsed);
    else rejected.push(parsed);
  }
  return { commands, rejected };
}

/** Ids named by understood `/orixoon approve …` lines (`all` as is). */
export function parseApproveCommand(body: string): string[] {
  return parseApproveComment(body).commands.flatMap((c) => c.ids);
}

export function hasWriteAccess(p: CollaboratorPermission): boolean {
  return APPROVING_ROLES.has(p.roleName ?? '') || p.permission === 'admin' || p.permission === 'write';
}

export interface ApprovalSource {
  comments: IssueComment[];
  /** Our own sticky comment (never an approval itself). */
  stickyId?: number;
  /** Approval id → proposal time (epoch ms) for the current head commit, from our own sticky comment. */
  proposals: Map<string, number>;
  /** The PR's current head commit. */
  headSha?: string;
}

export interface ApprovalDecision {
  approval?: ApprovalRecord;
  /** Why each candidate comment did not count (for the log). */
  denied: string[];
}

/** A comment whose command lines did not count, and why (shown in the sticky comment). */
export interface UnderstoodProblem {
  by: string;
  url: string;
  at: string;
  line: string;
  reason: string;
}

function shortSha(sha: string | undefined): string {
  return sha?.slice(0, 7) ?? '(unknown)';
}

/** Ids on an understood line that are not pending for the current head commit (then the line counts for none). */
function unknownIds(command: ApproveCommand, proposals: Map<string, number>): string[] {
  return command.ids.filter((id) => id !== 'all' && !proposals.has(id));
}

/**
 * People's comments since the earliest current proposal whose approve lines did not count: not
 * understood (grammar), or naming an id that is not pending for the head commit. Bots' comments and
 * our own sticky are left out.
 */
export function notUnderstood(source: ApprovalSource): UnderstoodProblem[] {
  if (!source.proposals.size) return [];
  const since = Math.min(...source.proposals.values());
  const out: UnderstoodProblem[] = [];
  for (const c of source.comments) {
    if (c.id === source.stickyId || !c.user || isBotAccount(c.user)) continue;
    if (!(Date.parse(c.created_at) > since)) continue;
    const parsed = parseApproveComment(c.body);
    const problems = [
      ...parsed.rejected,
      ...parsed.commands.flatMap((cmd) => {
        const unknown = unknownIds(cmd, source.proposals);
        return unknown.length
          ? [
              {
                line: cmd.line,
                reason: `${unknown.map((id) => `\`${id}\``).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not pending for commit ${shortSha(source.headSha)}, so nothing on the line counts`,
              },
            ]
          : [];
      }),
    ];
    for (const p of problems) out.push({ by: c.user.login, url: c.html_url, at: c.created_at, ...p });
  }
  return out;
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
  const candidates: Array<{ c: IssueComment; command: ApproveCommand }> = [];
  for (const c of source.comments) {
    if (c.id === source.stickyId) continue;
    for (const command of parseApproveComment(c.body).commands) {
      if (command.ids.includes(id) || command.ids.includes('all')) candidates.push({ c, command });
    }
  }
  if (!candidates.length) return { denied };
  const proposedAt = source.proposals.get(id);
  for (const { c, command } of candidates) {
    const who = c.user?.login ?? 'unknown user';
    const where = `comment by @${who} at ${c.created_at}`;
    if (proposedAt === undefined) {
      denied.push(
        `${where}: ${id} was not proposed for the current head commit ${shortSha(source.headSha)}` +
          ' (a push after the proposal needs a new approval)',
      );
      continue;
    }
    const unknown = unknownIds(command, source.proposals);
    if (unknown.length) {
      denied.push(
        `${where}: not understood as an approval: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not pending for commit ${shortSha(source.headSha)}, so nothing on the line counts`,
      );
      continue;
    }
    if (!(Date.parse(c.created_at) > proposedAt)) {
      denied.push(`${where}: made before the action was proposed (${new Date(proposedAt).toISOString()})`);
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
