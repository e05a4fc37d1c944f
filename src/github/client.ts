// The only place that talks to the GitHub REST API. Every request carries its own timeout; every
// failure becomes a GitHubApiError that says which request, the HTTP status (0 = no answer) and why.
import type { getOctokit } from '@actions/github';

export interface GitHubUser {
  login: string;
  /** `User`, `Bot`, `Organization`. */
  type?: string;
}

export interface IssueComment {
  id: number;
  body: string;
  user: GitHubUser | null;
  created_at: string;
  updated_at: string;
  html_url: string;
  performed_via_github_app?: { slug?: string } | null;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckRunAnnotation[];
}

export interface CheckRunFields {
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
  started_at?: string;
  completed_at?: string;
  details_url?: string;
  external_id?: string;
  output?: CheckRunOutput;
}

export interface CommitStatusFields {
  state: 'pending' | 'success' | 'failure' | 'error';
  context: string;
  description?: string;
  target_url?: string;
}

export interface CollaboratorPermission {
  /** Legacy level: `admin` | `write` | `read` | `none` (maintain reads as write, triage as read). */
  permission: string;
  /** Fine-grained role: `admin` | `maintain` | `write` | `triage` | `read` or a custom role. */
  roleName?: string;
}

export class GitHubApiError extends Error {
  constructor(
    readonly request: string,
    /** HTTP status; 0 when there was no answer (timeout, connection refused). */
    readonly status: number,
    readonly detail: string,
  ) {
    super(`GitHub API ${request} failed: ${status ? `HTTP ${status} ` : ''}${detail}`);
    this.name = 'GitHubApiError';
  }

  /** The token may not do this (fork PR, read-only GITHUB_TOKEN, missing permission). */
  get forbidden(): boolean {
    return this.status === 401 || this.status === 403 || this.status === 404;
  }
}

export interface GitHubClient {
  authenticatedUser(): Promise<GitHubUser>;
  /** The token's own login from GraphQL `viewer` (answers installation tokens too: `<app>[bot]`). */
  viewerLogin(): Promise<string>;
  /** All comments of a PR, oldest first (at most `maxPages` × 100). */
  listIssueComments(pr: number): Promise<IssueComment[]>;
  createIssueComment(pr: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
  collaboratorPermission(username: string): Promise<CollaboratorPermission>;
  pullRequestHeadSha(pr: number): Promise<string>;
  createCheckRun(
    name: string,
    headSha: string,
    fields: CheckRunFields,
  ): Promise<{ id: number; htmlUrl?: string }>;
  updateCheckRun(checkRunId: number, fields: CheckRunFields): Promise<void>;
  createCommitStatus(sha: string, fields: CommitStatusFields): Promise<void>;
}

export interface GitHubClientOptions {
  token: string;
  owner: string;
  repo: string;
  /** GITHUB_API_URL (GitHub Enterprise Server, or a local test server). */
  apiUrl: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Upper bound on comment pages read (100 comments each). */
  maxPages?: number;
  debug?: (text: string) => void;
}

function errorDetail(err: unknown): { status: number; detail: string } {
  if (err && typeof err === 'object') {
    const status = 'status' in err && typeof err.status === 'number' ? err.status : 0;
    const message = err instanceof Error ? err.message : String(err);
    return { status, detail: message.split(' - https://docs.github.com')[0] ?? message };
  }
  return { status: 0, detail: String(err) };
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const noop = (): void => {};
  const debug = options.debug ?? noop;
  // Octokit and its HTTP stack load with the first request: a run that never calls GitHub never loads them.
  let octokit!: ReturnType<typeof getOctokit>;
  let loading: Promise<void> | undefined;
  const load = (): Promise<void> =>
    (loading ??= import('@actions/github').then(({ getOctokit }) => {
      octokit = getOctokit(options.token, {
        baseUrl: options.apiUrl,
        userAgent: 'orixoon-action',
        log: { debug: noop, info: noop, warn: debug, error: debug },
      });
    }));
  const { owner, repo } = options;
  const maxPages = options.maxPages ?? 30;

  /** Runs one request with its own timeout and turns any failure into a GitHubApiError. */
  async function call<T>(label: string, fn: (request: { signal: AbortSignal }) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      await load();
      return await fn({ signal });
    } catch (err) {
      if (signal.aborted) {
        throw new GitHubApiError(label, 0, `no answer within ${Math.round(options.timeoutMs / 100) / 10} s`);
      }
      const { status, detail } = errorDetail(err);
      throw new GitHubApiError(label, status, detail);
    }
  }

  const toComment = (c: {
    id: number;
    body?: string | null;
    user: { login: string; type?: string } | null;
    created_at: string;
    updated_at: string;
    html_url: string;
    performed_via_github_app?: { slug?: string } | null;
  }): IssueComment => ({
    id: c.id,
    body: c.body ?? '',
    user: c.user ? { login: c.user.login, type: c.user.type } : null,
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: c.html_url,
    performed_via_github_app: c.performed_via_github_app ? { slug: c.performed_via_github_app.slug } : null,
  });

  return {
    authenticatedUser: () =>
      call('GET /user', async (request) => {
        const { data } = await octokit.rest.users.getAuthenticated({ request });
        return { login: data.login, type: data.type };
      }),

    viewerLogin: () =>
      call('POST /graphql (viewer)', async (request) => {
        const data = await octokit.graphql<{ viewer?: { login?: unknown } }>('query { viewer { login } }', {
          request,
        });
        const login = data.viewer?.login;
        if (typeof login !== 'string' || !login) throw new Error('the answer names no viewer login');
        return login;
      }),

    async listIssueComments(pr) {
      const all: IssueComment[] = [];
      for (let page = 1; page <= maxPages; page++) {
        const label = `GET /repos/${owner}/${repo}/issues/${pr}/comments?page=${page}`;
        const batch = await call(label, async (request) => {
          const { data } = await octokit.rest.issues.listComments({
            owner,
            repo,
            issue_number: pr,
            per_page: 100,
            page,
            request,
          });
          return data;
        });
        all.push(...batch.map(toComment));
        if (batch.length < 100) break;
      }
      return all;
    },

    createIssueComment: (pr, body) =>
      call(`POST /repos/${owner}/${repo}/issues/${pr}/comments`, async (request) => {
        const { data } = await octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number: pr,
          body,
          request,
        });
        return toComment(data);
      }),

    updateIssueComment: (commentId, body) =>
      call(`PATCH /repos/${owner}/${repo}/issues/comments/${commentId}`, async (request) => {
        const { data } = await octokit.rest.issues.updateComment({
          owner,
          repo,
          comment_id: commentId,
          body,
          request,
        });
        return toComment(data);
      }),

    collaboratorPermission: (username) =>
      call(`GET /repos/${owner}/${repo}/collaborators/${username}/permission`, async (request) => {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner,
          repo,
          username,
          request,
        });
        return { permission: data.permission, roleName: data.role_name };
      }),

    pullRequestHeadSha: (pr) =>
      call(`GET /repos/${owner}/${repo}/pulls/${pr}`, async (request) => {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr, request });
        return data.head.sha;
      }),

    createCheckRun: (name, headSha, fields) =>
      call(`POST /repos/${owner}/${repo}/check-runs`, async (request) => {
        const { data } = await octokit.rest.checks.create({
          owner,
          repo,
          name,
          head_sha: headSha,
          ...fields,
          request,
        });
        return { id: data.id, htmlUrl: data.html_url ?? undefined };
      }),

    updateCheckRun: (checkRunId, fields) =>
      call(`PATCH /repos/${owner}/${repo}/check-runs/${checkRunId}`, async (request) => {
        await octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, ...fields, request });
      }),

    createCommitStatus: (sha, fields) =>
      call(`POST /repos/${owner}/${repo}/statuses/${sha}`, async (request) => {
        await octokit.rest.repos.createCommitStatus({ owner, repo, sha, ...fields, request });
      }),
  };
}
