// The action's post step: runs after the main step whatever happened to it (`post-if: always()`).
// A check run the main step started and could not complete (cancelled, killed, crashed) would stay
// "in progress" forever and hold every branch protection that requires it; this completes it,
// `cancelled` after a SIGINT/SIGTERM and `failure` otherwise, so the deployment stays blocked and
// the PR says why. It never fails the job itself.
import * as core from '@actions/core';
import { createGitHubClient } from './github/client.js';
import { readGitHubContext } from './github/context.js';
import { STATE } from './action-state.js';

/** Per-request timeout: the post step must end even when GitHub does not answer. */
export const POST_TIMEOUT_MS = 10_000;

export async function runPost(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const id = Number(core.getState(STATE.checkRunId));
  const status = core.getState(STATE.checkRunStatus);
  // Nothing left in progress: say nothing (every successful run ends here).
  if (!Number.isInteger(id) || id <= 0 || status === 'completed') return;
  const token = core.getInput('github-token');
  const gh = readGitHubContext(env);
  if (!token || !gh.owner || !gh.repo) {
    core.warning(
      `Orixoon check run ${id} was left in progress and cannot be completed here (no github-token or GITHUB_REPOSITORY).`,
    );
    return;
  }
  core.setSecret(token);
  const signal = core.getState(STATE.cancelledBy);
  const client = createGitHubClient({
    token,
    owner: gh.owner,
    repo: gh.repo,
    apiUrl: gh.apiUrl,
    timeoutMs: POST_TIMEOUT_MS,
  });
  const why = signal
    ? `The Orixoon step was cancelled (${signal}) before it finished.`
    : 'The Orixoon step stopped (killed or crashed) before it finished.';
  try {
    await client.updateCheckRun(id, {
      status: 'completed',
      conclusion: signal ? 'cancelled' : 'failure',
      completed_at: new Date().toISOString(),
      details_url: gh.runUrl,
      output: {
        title: 'Deployment: BLOCKED (the run did not finish)',
        summary: `${why} Whatever it had not finished is unchecked, so the deployment is blocked. See the job's log and report, and re-run the workflow.`,
      },
    });
    core.info(
      `Orixoon check run ${id} completed: ${signal ? 'cancelled' : 'failure'} (the main step did not finish).`,
    );
  } catch (e) {
    core.warning(
      `Orixoon check run ${id} could not be completed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
