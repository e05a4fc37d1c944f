// The sticky PR comment (with the approval proposals) and approvals by PR comment. It reads the built
// report only: which findings await approval, and the deployment decision for `comment: on-failure`.
import type { ConfigProblem } from '../config/load.js';
import type { Logger } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { ApprovalLookup } from '../engine/run.js';
import type { RunReport } from '../report/model.js';
import { COMMENT_LIMIT, renderPrComment } from '../report/pr-comment.js';
import { findCommentApproval, notUnderstood, type UnderstoodProblem } from './approvals.js';
import {
  GitHubApiError,
  type CollaboratorPermission,
  type GitHubClient,
  type IssueComment,
} from './client.js';
import type { GitHubContext } from './context.js';
import {
  composeBody,
  contentHash,
  findStickyComments,
  formatMetadata,
  isOwnComment,
  nextProposals,
  parseMetadata,
  trustedProposals,
  type CommentIdentity,
  type StickyMetadata,
} from './sticky-comment.js';

export type CommentMode = 'always' | 'on-failure' | 'on-change' | 'never';

export interface CommentPublisherOptions {
  /** Undefined without a token or a repository: then nothing is read or written. */
  client?: GitHubClient;
  gh: Pick<GitHubContext, 'pr' | 'fork' | 'runUrl'>;
  comment: CommentMode;
  commentHeader?: string;
  redactor: Redactor;
  log: Logger;
  /** The head commit of the PR (cached by the integration). */
  resolveHeadSha: () => Promise<string | undefined>;
}

export interface CommentPublisher {
  /** For EngineOptions.approvalLookup: reads PR comments once (lazily, cached), validates each approve comment. */
  approvalLookup: ApprovalLookup;
  /** Writes (or leaves) the sticky comment. Never throws: returns notes for the job summary. */
  publish(report: RunReport | null, problems: ConfigProblem[] | undefined): Promise<string[]>;
  /** The sticky comment's page, once written or found unchanged. */
  url(): string | undefined;
}

interface CommentState {
  /** The token's own account; undefined when it could not be determined (then nothing is trusted). */
  identity?: CommentIdentity;
  /** Why the identity is unknown. */
  identityProblem?: string;
  comments: IssueComment[];
  /** Our own sticky comments, oldest first. */
  stickies: IssueComment[];
  meta?: StickyMetadata;
  /** Approval id → proposal time for the head commit, from our own sticky comment. */
  proposals: Map<string, number>;
  /** People's approve lines since the proposal that did not count. */
  notUnderstood: UnderstoodProblem[];
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createCommentPublisher(o: CommentPublisherOptions): CommentPublisher {
  const { client, gh, redactor, log, resolveHeadSha } = o;
  const settings = o;
  // Per-integration caches (one action run).
  const permissions = new Map<string, Promise<CollaboratorPermission>>();
  let commentState: Promise<CommentState> | undefined;
  let commentUrl: string | undefined;
  const say = (text: string): void => log.say(text);
  const warn = (note: string): string => {
    log.say(`⚠️ ${note}`);
    return note;
  };

  /**
   * The account this token comments as. A user token (PAT) answers GET /user; an installation token
   * (GITHUB_TOKEN, a GitHub App) may not call it (403) but answers GraphQL `viewer` with its bot
   * login. Neither answering leaves the identity unknown: then no comment is taken for ours.
   */
  async function resolveIdentity(c: GitHubClient): Promise<CommentIdentity | string> {
    let userProblem: string;
    try {
      const user = await c.authenticatedUser();
      return { login: user.login, installation: user.type === 'Bot' || /\[bot\]$/i.test(user.login) };
    } catch (err) {
      userProblem = describe(err);
      log.debug(`GET /user unavailable (${userProblem}): asking GraphQL viewer (an installation token)`);
    }
    try {
      const login = await c.viewerLogin();
      return { login, installation: /\[bot\]$/i.test(login) };
    } catch (err) {
      return `${userProblem}; ${describe(err)}`;
    }
  }

  function loadCommentState(c: GitHubClient, pr: number): Promise<CommentState> {
    commentState ??= (async () => {
      const [identity, comments, head] = await Promise.all([
        resolveIdentity(c),
        c.listIssueComments(pr),
        resolveHeadSha(),
      ]);
      if (typeof identity === 'string') {
        say(
          `⚠️ Could not tell which account this token comments as (${identity}): no PR comment is trusted as Orixoon's own, and approvals by comment are not available`,
        );
        return { identityProblem: identity, comments, stickies: [], proposals: new Map(), notUnderstood: [] };
      }
      const stickies = findStickyComments(comments, identity, settings.commentHeader);
      const sticky = stickies[0];
      const meta = sticky ? parseMetadata(sticky.body) : undefined;
      const proposals = trustedProposals(sticky, meta, head);
      const problems = notUnderstood({ comments, stickyId: sticky?.id, proposals, headSha: head });
      for (const p of problems) {
        say(`ℹ️ A comment by @${p.by} (${p.url}) was not understood as an approval: ${p.reason}`);
      }
      log.debug(
        `PR #${pr}: ${comments.length} comments, sticky ${sticky ? `#${sticky.id}` : 'none'} (identity ${identity.login})`,
      );
      return { identity, comments, stickies, meta, proposals, notUnderstood: problems };
    })();
    return commentState;
  }

  function permissionOf(c: GitHubClient, login: string): Promise<CollaboratorPermission> {
    let p = permissions.get(login);
    if (!p) {
      p = c.collaboratorPermission(login);
      permissions.set(login, p);
    }
    return p;
  }

  const approvalLookup: ApprovalLookup = async (finding) => {
    if (!client || !gh.pr) return undefined;
    const c = client;
    try {
      const state = await loadCommentState(c, gh.pr);
      const decision = await findCommentApproval(
        finding.id,
        {
          comments: state.comments,
          stickyId: state.stickies[0]?.id,
          proposals: state.proposals,
          headSha: await resolveHeadSha(),
        },
        (login) => permissionOf(c, login),
      );
      for (const reason of decision.denied) say(`ℹ️ Approval of ${finding.id} not counted: ${reason}`);
      if (decision.approval)
        say(`👍 ${finding.id} approved by @${decision.approval.by} (${decision.approval.url})`);
      return decision.approval;
    } catch (err) {
      say(`⚠️ Could not read approvals from PR #${gh.pr}: ${describe(err)}`);
      return undefined;
    }
  };

  function commentFailure(err: unknown): string {
    if (err instanceof GitHubApiError && err.forbidden) {
      return gh.fork
        ? `PR comment skipped: fork PR with a read-only token (HTTP ${err.status}); the report is in the job summary.`
        : `PR comment skipped: the token may not read or write PR comments (HTTP ${err.status}: ${err.detail}); give the job \`pull-requests: write\`.`;
    }
    return `PR comment not written: ${describe(err)}`;
  }

  /** Keeps the cached comment state current after a write (a second publish updates, never re-creates). */
  function remember(state: CommentState, written: IssueComment, meta: StickyMetadata): void {
    if (state.identity && !isOwnComment(written, state.identity)) {
      log.debug(
        `PR comment #${written.id} is by ${written.user?.login ?? 'nobody'}, not ${state.identity.login}`,
      );
    }
    const comments = [...state.comments.filter((x) => x.id !== written.id), written];
    const stickies = [written, ...state.stickies.filter((x) => x.id !== written.id)];
    commentState = Promise.resolve({ ...state, comments, stickies, meta });
  }

  async function publishComment(
    report: RunReport | null,
    problems: ConfigProblem[] | undefined,
  ): Promise<string[]> {
    const pendingIds =
      report?.findings.filter((f) => f.outcome === 'awaiting_approval').map((f) => f.id) ?? [];
    const approvalHint = pendingIds.length
      ? ' Approval by PR comment is not available for this run: approve with the `approve` input.'
      : '';
    if (settings.comment === 'never') {
      return gh.pr && pendingIds.length ? [warn(`PR comment off (comment: never).${approvalHint}`)] : [];
    }
    if (!gh.pr) return [];
    if (!client) return [warn(`PR comment skipped: no github-token.${approvalHint}`)];
    const c = client;
    const pr = gh.pr;

    let state: CommentState;
    try {
      state = await loadCommentState(c, pr);
    } catch (err) {
      return [warn(commentFailure(err) + approvalHint)];
    }
    if (!state.identity) {
      // Without knowing our own account, any marked comment could be a forgery and ours could not be
      // found again: writing one would add a new comment on every run.
      return [
        warn(
          `PR comment skipped: could not tell which account this token comments as (${state.identityProblem ?? 'unknown'}).${approvalHint}`,
        ),
      ];
    }
    const sha = await resolveHeadSha();
    const existing = state.stickies[0];
    const previous = state.meta;
    const proposals = nextProposals(previous, sha, pendingIds, new Date());
    const metaBudget =
      formatMetadata({ v: 1, sha, proposals, content: '0'.repeat(16) }).length +
      composeBody({ content: '', footer: '' }, { v: 1, proposals: {} }, settings.commentHeader).length;
    const rendered = renderPrComment(
      {
        report,
        problems,
        sha,
        runUrl: gh.runUrl,
        rejectedApprovals: pendingIds.length ? state.notUnderstood : [],
      },
      Math.max(4_000, COMMENT_LIMIT - 1 - metaBudget),
    );
    const content = redactor.redact(rendered.content);
    const footer = redactor.redact(rendered.footer);
    const meta: StickyMetadata = { v: 1, sha, proposals, content: contentHash(content) };
    // The metadata holds only ids, commit, times and a hash, and must stay parseable: not redacted.
    const body = composeBody({ content, footer }, meta, settings.commentHeader);
    // `on-failure` follows the step and the check run: the deployment decision (the verdict under
    // fail-on), so a warning that holds the deployment under `fail-on: warning` gets its comment.
    const held = !report || report.deployment === 'blocked';
    // `on-change` skips only a clean pass: no finding and nothing blocked.
    const cleanPass = !!report && report.counts.findings === 0 && report.verdict !== 'blocked';

    if (!existing) {
      if (settings.comment === 'on-failure' && !held) {
        log.debug('PR comment not created: comment is on-failure and the deployment is not blocked');
        return [];
      }
      if (settings.comment === 'on-change' && cleanPass) {
        log.debug('PR comment not created: comment is on-change and every check passed');
        return [];
      }
      try {
        const created = await c.createIssueComment(pr, body);
        remember(state, created, meta);
        commentUrl = created.html_url;
        say(`💬 PR comment created: ${created.html_url}`);
        return [];
      } catch (err) {
        return [warn(commentFailure(err) + approvalHint)];
      }
    }

    const unchanged =
      settings.comment === 'on-change'
        ? previous?.content === meta.content &&
          JSON.stringify(previous?.proposals) === JSON.stringify(proposals)
        : existing.body === body;
    if (unchanged) {
      commentUrl = existing.html_url;
      say(`💬 PR comment unchanged: ${existing.html_url}`);
      return [];
    }
    try {
      const updated = await c.updateIssueComment(existing.id, body);
      remember(state, updated, meta);
      commentUrl = updated.html_url;
      say(`💬 PR comment updated: ${updated.html_url}`);
      return [];
    } catch (err) {
      return [warn(commentFailure(err) + approvalHint)];
    }
  }

  return {
    approvalLookup,
    url: () => commentUrl,
    publish: (report, problems) => publishComment(report, problems),
  };
}
