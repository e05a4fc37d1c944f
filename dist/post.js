import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  STATE,
  createGitHubClient,
  readGitHubContext
} from "./chunks/chunk-AXVKJHID.js";
import {
  getInput,
  getState,
  info,
  setSecret,
  warning
} from "./chunks/chunk-QBMVHA3P.js";
import "./chunks/chunk-WQ37B3FA.js";

// src/post-step.ts
var POST_TIMEOUT_MS = 1e4;
async function runPost(env = process.env) {
  const id = Number(getState(STATE.checkRunId));
  const status = getState(STATE.checkRunStatus);
  if (!Number.isInteger(id) || id <= 0 || status === "completed") return;
  const token = getInput("github-token");
  const gh = readGitHubContext(env);
  if (!token || !gh.owner || !gh.repo) {
    warning(
      `Orixoon check run ${id} was left in progress and cannot be completed here (no github-token or GITHUB_REPOSITORY).`
    );
    return;
  }
  setSecret(token);
  const signal = getState(STATE.cancelledBy);
  const client = createGitHubClient({
    token,
    owner: gh.owner,
    repo: gh.repo,
    apiUrl: gh.apiUrl,
    timeoutMs: POST_TIMEOUT_MS
  });
  const why = signal ? `The Orixoon step was cancelled (${signal}) before it finished.` : "The Orixoon step stopped (killed or crashed) before it finished.";
  try {
    await client.updateCheckRun(id, {
      status: "completed",
      conclusion: signal ? "cancelled" : "failure",
      completed_at: (/* @__PURE__ */ new Date()).toISOString(),
      details_url: gh.runUrl,
      output: {
        title: "Deployment: BLOCKED (the run did not finish)",
        summary: `${why} Whatever it had not finished is unchecked, so the deployment is blocked. See the job's log and report, and re-run the workflow.`
      }
    });
    info(
      `Orixoon check run ${id} completed: ${signal ? "cancelled" : "failure"} (the main step did not finish).`
    );
  } catch (e) {
    warning(
      `Orixoon check run ${id} could not be completed: ${e instanceof Error ? e.message : String(e)}`
    );
  }
}

// src/post.ts
void runPost();
