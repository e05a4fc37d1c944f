// The GitHub context of a workflow run, read from the runner's environment (the same variables
// @actions/github's `context` reads, but from the env passed in, so nothing depends on import time).
import { readFileSync } from 'node:fs';

export interface GitHubContext {
  /** `owner/repo`. */
  repository?: string;
  owner?: string;
  repo?: string;
  /** The commit the verdict is about: a PR's head commit (never the merge commit GITHUB_SHA of a PR). */
  sha?: string;
  /** GITHUB_SHA as the runner gave it (the merge commit on pull_request events). */
  eventSha?: string;
  pr?: number;
  runUrl?: string;
  workflow?: string;
  eventName?: string;
  /** GITHUB_API_URL, default https://api.github.com. */
  apiUrl: string;
  serverUrl: string;
  /** The PR comes from another repository (its GITHUB_TOKEN is read-only on `pull_request`). */
  fork: boolean;
  /** GITHUB_WORKSPACE: repository-relative paths for annotations are computed from it. */
  workspace?: string;
}

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

interface EventPayload {
  pull_request?: PullRequestPayload;
  issue?: { number?: number; pull_request?: unknown };
  repository?: { full_name?: string };
}

function readPayload(path: string | undefined): EventPayload {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as EventPayload) : {};
  } catch {
    // A missing or unreadable event file leaves us without PR context; the integration says so.
    return {};
  }
}

export function readGitHubContext(env: NodeJS.ProcessEnv): GitHubContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const repository = env.GITHUB_REPOSITORY || payload.repository?.full_name || undefined;
  const [owner, repo] = repository?.includes('/') ? repository.split('/', 2) : [undefined, undefined];
  const pull = payload.pull_request;
  // issue_comment on a PR: the PR number is the issue number; its head sha is fetched later.
  const prNumber = pull?.number ?? (payload.issue?.pull_request ? payload.issue.number : undefined);
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const runUrl =
    repository && env.GITHUB_RUN_ID
      ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  const headRepo = pull?.head?.repo?.full_name;
  const baseRepo = pull?.base?.repo?.full_name;
  const fork = pull ? pull.head?.repo === null || (!!headRepo && !!baseRepo && headRepo !== baseRepo) : false;
  return {
    repository,
    owner,
    repo,
    sha: pull?.head?.sha || (pull || prNumber ? undefined : env.GITHUB_SHA) || undefined,
    eventSha: env.GITHUB_SHA || undefined,
    pr: typeof prNumber === 'number' && prNumber > 0 ? prNumber : undefined,
    runUrl,
    workflow: env.GITHUB_WORKFLOW || undefined,
    eventName: env.GITHUB_EVENT_NAME || undefined,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    fork,
    workspace: env.GITHUB_WORKSPACE || undefined,
  };
}
