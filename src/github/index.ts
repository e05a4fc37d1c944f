// GitHub integration of the action: the sticky PR comment (with the approval proposals), approvals
// by PR comment, and the "Orixoon pre-deployment" check run (or commit status). Nothing here ever
// fails the run: a fork PR, a read-only token or an unreachable API becomes a note for the summary.
import type { ConfigProblem } from '../config/load.js';
import type { Logger } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { ApprovalLookup } from '../engine/run.js';
import type { RunReport } from '../report/model.js';
import { COMMENT_LIMIT, renderPrComment } from '../report/pr-comment.js';
import { findCommentApproval, notUnderstood, type UnderstoodProblem } from './approvals.js';
import { createCheckPublisher, type CheckPublisher } from './check-run.js';
import {
  createGitHubClient,
  GitHubApiError,
  type CollaboratorPermission,
  type GitHubClient,
  type IssueComment,
} from './client.js';
import { readGitHubContext } from './context.js';
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

export { CHECK_NAME } from './check-run.js';
export { STICKY_MARKER, stickyMarker } from './sticky-comment.js';

export type CommentMode = 'always' | 'on-failure' | 'on-change' | 'never';

export interface GitHubSettings {
  /** github-token input (masked already). */
  token?: string;
  comment: CommentMode;
  /** Keys the sticky comment, so several jobs on one PR keep one comment each (default: the one comment). */
  commentHeader?: string;
  checkRun: boolean;
  /** The check run's name (default CHECK_NAME). */
  checkName?: string;
  /** approve input (already passed to the engine; only for reporting). */
  approveInput: string[];
  /** Per-request timeout for the GitHub API. Default 15 s. */
  timeoutMs?: number;
  /** Told the check run's id once it exists and when it is completed (the action's post step needs it). */
  onCheckRun?: (id: number, status: 'in_progress' | 'completed') => void;
}

export interface GitHubIntegration {
  /** Repository, PR head SHA (not the merge commit GITHUB_SHA), PR number, run URL. */
  context: {
    repository?: string;
    sha?: string;
    pr?: number;
    runUrl?: string;
    workflow?: string;
    eventName?: string;
  };
  /** For EngineOptions.approvalLookup: reads PR comments once (lazily, cached), validates each approve comment. */
  approvalLookup: ApprovalLookup;
  /** Creates an in-progress check run (if enabled); resolves the head SHA of an issue_comment event. */
  start(): Promise<void>;
  /** Sticky comment + completed check run. Never throws: returns notes for the job summary. */
  publish(report: RunReport | null, problems?: ConfigProblem[]): Promise<string[]>;
  /** Pages of what was published: the sticky comment (written or left unchanged) and the check run. */
  links(): { comment?: string; checkRun?: string };
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

const DEFAULT_TIMEOUT_MS = 15_000;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createGitHubIntegration(
  settings: GitHubSettings,
  deps: { redactor: Redactor; log: Logger; env: NodeJS.ProcessEnv },
): GitHubIntegration {
  const { redactor, log, env } = deps;
  redactor.add(settings.token);
  const gh = readGitHubContext(env);
  const context: GitHubIntegration['context'] = {
    repository: gh.repository,
    sha: gh.sha,
    pr: gh.pr,
    runUrl: gh.runUrl,
    workflow: gh.workflow,
    eventName: gh.eventName,
  };
  const client: GitHubClient | undefined =
    settings.token && gh.owner && gh.repo
      ? createGitHubClient({
          token: settings.token,
          owner: gh.owner,
          repo: gh.repo,
          apiUrl: gh.apiUrl,
          timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          debug: (t) => log.debug(t),
        })
      : undefined;

  // Per-integration caches (one action run).
  const permissions = new Map<string, Promise<CollaboratorPermission>>();
  let commentState: Promise<CommentState> | undefined;
  let headSha: Promise<string | undefined> | undefined;
  let checks: CheckPublisher | undefined;
  let commentUrl: string | undefined;
  const startNotes: string[] = [];

  const say = (text: string): void => log.say(text);
  const warn = (note: string): string => {
    log.say(`⚠️ ${note}`);
    return note;
  };

  function resolveHeadSha(): Promise<string | undefined> {
    headSha ??= (async () => {
      if (gh.sha) return gh.sha;
      if (!client || !gh.pr) return undefined;
      try {
        const sha = await client.pullRequestHeadSha(gh.pr);
        context.sha = sha;
        return sha;
      } catch (err) {
        log.debug(`PR head commit unknown: ${describe(err)}`);
        return undefined;
      }
    })();
    return headSha;
  }

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
    const cleanPass = !!report && report.findings.length === 0 && report.verdict !== 'blocked';

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

  async function ensureChecks(): Promise<CheckPublisher | string | undefined> {
    if (!settings.checkRun) return undefined;
    if (checks) return checks;
    if (!client)
      return `Check run skipped: ${settings.token ? 'GITHUB_REPOSITORY is not set' : 'no github-token'}.`;
    const sha = await resolveHeadSha();
    if (!sha) return 'Check run skipped: the head commit of this run is unknown.';
    checks = createCheckPublisher({
      client,
      sha,
      runUrl: gh.runUrl,
      workspace: gh.workspace,
      name: settings.checkName,
      redact: (t) => redactor.redact(t),
      say,
      onCheckRun: settings.onCheckRun,
    });
    return checks;
  }

  return {
    context,
    approvalLookup,
    links: () => ({ comment: commentUrl, checkRun: checks?.url() }),

    async start() {
      try {
        await resolveHeadSha();
        const publisher = await ensureChecks();
        if (typeof publisher === 'string') startNotes.push(warn(publisher));
        else if (publisher) {
          const note = await publisher.start();
          if (note) startNotes.push(warn(note));
        }
      } catch (err) {
        startNotes.push(warn(`GitHub integration could not start: ${describe(err)}`));
      }
    },

    async publish(rawReport, rawProblems) {
      // Redacted before rendering too: rendering escapes text, and an escaped secret would no longer
      // match what the redactor looks for in the rendered comment.
      const report = rawReport && redactor.redactValue(rawReport);
      const problems = rawProblems && redactor.redactValue(rawProblems);
      const notes = [...startNotes];
      startNotes.length = 0;
      try {
        notes.push(...(await publishComment(report, problems)));
      } catch (err) {
        notes.push(warn(`PR comment not written: ${describe(err)}`));
      }
      try {
        const publisher = await ensureChecks();
        if (typeof publisher === 'string') {
          if (!notes.includes(publisher)) notes.push(warn(publisher));
        } else if (publisher) {
          const note = await publisher.complete(report, problems);
          if (note) notes.push(warn(note));
        }
      } catch (err) {
        notes.push(warn(`Check run not completed: ${describe(err)}`));
      }
      return notes.map((n) => redactor.redact(n));
    },
  };
}
