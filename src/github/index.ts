// GitHub integration of the action: the sticky PR comment (with the approval proposals), approvals
// by PR comment, and the "Orixoon pre-deployment" check run (or commit status). Nothing here ever
// fails the run: a fork PR, a read-only token or an unreachable API becomes a note for the summary.
import type { ConfigProblem } from '../config/load.js';
import type { Logger } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { ApprovalLookup } from '../engine/run.js';
import type { RunReport } from '../report/model.js';
import { createCheckPublisher, type CheckPublisher } from './check-run.js';
import { createGitHubClient, type GitHubClient } from './client.js';
import { createCommentPublisher, type CommentMode } from './comment.js';
import { readGitHubContext } from './context.js';

export { CHECK_NAME } from './check-run.js';
export { STICKY_MARKER, stickyMarker } from './sticky-comment.js';

export type { CommentMode };

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
  /**
   * The PR's head commit: from the event, or asked of the API for an issue_comment event (then it
   * also updates `context.sha`). Undefined when unknown.
   */
  headSha(): Promise<string | undefined>;
  /** Creates an in-progress check run (if enabled); resolves the head SHA of an issue_comment event. */
  start(): Promise<void>;
  /** Sticky comment + completed check run. Never throws: returns notes for the job summary. */
  publish(report: RunReport | null, problems?: ConfigProblem[]): Promise<string[]>;
  /** Pages of what was published: the sticky comment (written or left unchanged) and the check run. */
  links(): { comment?: string; checkRun?: string };
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
  let headSha: Promise<string | undefined> | undefined;
  let checks: CheckPublisher | undefined;
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

  const comments = createCommentPublisher({
    client,
    gh,
    comment: settings.comment,
    commentHeader: settings.commentHeader,
    redactor,
    log,
    resolveHeadSha,
  });

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
    approvalLookup: comments.approvalLookup,
    headSha: resolveHeadSha,
    links: () => ({ comment: comments.url(), checkRun: checks?.url() }),

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
        notes.push(...(await comments.publish(report, problems)));
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
