import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/action-state.ts
var STATE = {
  /** The check run the main step created. */
  checkRunId: "check-run-id",
  /** `in_progress` until the main step completed it (`completed`). */
  checkRunStatus: "check-run-status",
  /** The signal that cancelled the main step, if one did. */
  cancelledBy: "cancelled-by"
};

// src/github/client.ts
var GitHubApiError = class extends Error {
  constructor(request, status, detail) {
    super(`GitHub API ${request} failed: ${status ? `HTTP ${status} ` : ""}${detail}`);
    this.request = request;
    this.status = status;
    this.detail = detail;
    this.name = "GitHubApiError";
  }
  request;
  status;
  detail;
  /** The token may not do this (fork PR, read-only GITHUB_TOKEN, missing permission). */
  get forbidden() {
    return this.status === 401 || this.status === 403 || this.status === 404;
  }
};
function errorDetail(err) {
  if (err && typeof err === "object") {
    const status = "status" in err && typeof err.status === "number" ? err.status : 0;
    const message = err instanceof Error ? err.message : String(err);
    return { status, detail: message.split(" - https://docs.github.com")[0] ?? message };
  }
  return { status: 0, detail: String(err) };
}
function createGitHubClient(options) {
  const noop = () => {
  };
  const debug = options.debug ?? noop;
  let octokit;
  let loading;
  const load = () => loading ??= import("./github-ZGCQLRIK.js").then(({ getOctokit }) => {
    octokit = getOctokit(options.token, {
      baseUrl: options.apiUrl,
      userAgent: "orixoon-action",
      log: { debug: noop, info: noop, warn: debug, error: debug }
    });
  });
  const { owner, repo } = options;
  const maxPages = options.maxPages ?? 30;
  async function call(label, fn) {
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
  const toComment = (c) => ({
    id: c.id,
    body: c.body ?? "",
    user: c.user ? { login: c.user.login, type: c.user.type } : null,
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: c.html_url,
    performed_via_github_app: c.performed_via_github_app ? { slug: c.performed_via_github_app.slug } : null
  });
  return {
    authenticatedUser: () => call("GET /user", async (request) => {
      const { data } = await octokit.rest.users.getAuthenticated({ request });
      return { login: data.login, type: data.type };
    }),
    viewerLogin: () => call("POST /graphql (viewer)", async (request) => {
      const data = await octokit.graphql("query { viewer { login } }", {
        request
      });
      const login = data.viewer?.login;
      if (typeof login !== "string" || !login) throw new Error("the answer names no viewer login");
      return login;
    }),
    async listIssueComments(pr) {
      const all = [];
      for (let page = 1; page <= maxPages; page++) {
        const label = `GET /repos/${owner}/${repo}/issues/${pr}/comments?page=${page}`;
        const batch = await call(label, async (request) => {
          const { data } = await octokit.rest.issues.listComments({
            owner,
            repo,
            issue_number: pr,
            per_page: 100,
            page,
            request
          });
          return data;
        });
        all.push(...batch.map(toComment));
        if (batch.length < 100) break;
      }
      return all;
    },
    createIssueComment: (pr, body) => call(`POST /repos/${owner}/${repo}/issues/${pr}/comments`, async (request) => {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: pr,
        body,
        request
      });
      return toComment(data);
    }),
    updateIssueComment: (commentId, body) => call(`PATCH /repos/${owner}/${repo}/issues/comments/${commentId}`, async (request) => {
      const { data } = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: commentId,
        body,
        request
      });
      return toComment(data);
    }),
    collaboratorPermission: (username) => call(`GET /repos/${owner}/${repo}/collaborators/${username}/permission`, async (request) => {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        owner,
        repo,
        username,
        request
      });
      return { permission: data.permission, roleName: data.role_name };
    }),
    pullRequestHeadSha: (pr) => call(`GET /repos/${owner}/${repo}/pulls/${pr}`, async (request) => {
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr, request });
      return data.head.sha;
    }),
    createCheckRun: (name, headSha, fields) => call(`POST /repos/${owner}/${repo}/check-runs`, async (request) => {
      const { data } = await octokit.rest.checks.create({
        owner,
        repo,
        name,
        head_sha: headSha,
        ...fields,
        request
      });
      return { id: data.id, htmlUrl: data.html_url ?? void 0 };
    }),
    updateCheckRun: (checkRunId, fields) => call(`PATCH /repos/${owner}/${repo}/check-runs/${checkRunId}`, async (request) => {
      await octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, ...fields, request });
    }),
    createCommitStatus: (sha, fields) => call(`POST /repos/${owner}/${repo}/statuses/${sha}`, async (request) => {
      await octokit.rest.repos.createCommitStatus({ owner, repo, sha, ...fields, request });
    })
  };
}

// src/github/context.ts
import { readFileSync } from "node:fs";
function readPayload(path) {
  if (!path) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}
function readGitHubContext(env) {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const repository = env.GITHUB_REPOSITORY || payload.repository?.full_name || void 0;
  const [owner, repo] = repository?.includes("/") ? repository.split("/", 2) : [void 0, void 0];
  const pull = payload.pull_request;
  const prNumber = pull?.number ?? (payload.issue?.pull_request ? payload.issue.number : void 0);
  const serverUrl = (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, "");
  const runUrl = repository && env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : void 0;
  const headRepo = pull?.head?.repo?.full_name;
  const baseRepo = pull?.base?.repo?.full_name;
  const fork = pull ? pull.head?.repo === null || !!headRepo && !!baseRepo && headRepo !== baseRepo : false;
  return {
    repository,
    owner,
    repo,
    sha: pull?.head?.sha || (pull || prNumber ? void 0 : env.GITHUB_SHA) || void 0,
    eventSha: env.GITHUB_SHA || void 0,
    pr: typeof prNumber === "number" && prNumber > 0 ? prNumber : void 0,
    runUrl,
    workflow: env.GITHUB_WORKFLOW || void 0,
    eventName: env.GITHUB_EVENT_NAME || void 0,
    apiUrl: (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, ""),
    serverUrl,
    fork,
    workspace: env.GITHUB_WORKSPACE || void 0
  };
}

export {
  STATE,
  GitHubApiError,
  createGitHubClient,
  readGitHubContext
};
