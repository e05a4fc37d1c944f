// GitHub inside the run's deadline: the integration starts alongside the checks and publishes within
// what is left of the deadline, so a GitHub that does not answer never costs the checks their time
// and never holds the run past its end.
import type { ConfigProblem } from '../config/load.js';
import type { Logger } from '../support/logger.js';
import type { RunReport } from '../report/model.js';
import type { GitHubIntegration } from './index.js';

/** Publishing gets the rest of the deadline, and at least this (a run that used all of it). */
const PUBLISH_MIN_MS = 5000;
/** After SIGINT/SIGTERM: the runner kills the step 2.5 s after its SIGTERM; the post step completes what is left. */
const PUBLISH_CANCELLED_MS = 700;

/** Per-request GitHub timeout: a third of the deadline, between 1 s and 15 s. */
export function githubCallTimeoutMs(timeoutSeconds: number): number {
  return Math.round(Math.min(15_000, Math.max(1000, (timeoutSeconds * 1000) / 3)));
}

/** The promise's value, or undefined when it did not settle in time (it keeps running, unwatched). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms)))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type BoundedPublish = (report: RunReport | null, problems?: ConfigProblem[]) => Promise<string[]>;

/**
 * Starts the integration alongside the checks and returns its publish, bounded by the rest of the
 * deadline (a short budget after a cancel). Only the head commit, part of the approval ids, is waited
 * for, briefly, and only when the event does not name it; the in-progress check run is created while
 * the checks run. A publish that runs out of time is a note for the summary, never an error.
 */
export async function startWithinDeadline(
  github: GitHubIntegration,
  o: { deadline: number; timeoutSeconds: number; log: Logger; signal?: AbortSignal },
): Promise<BoundedPublish> {
  const starting = github
    .start()
    .catch((e: unknown) => o.log.debug(`GitHub start: ${e instanceof Error ? e.message : String(e)}`));
  await within(
    github.headSha().catch(() => undefined),
    Math.min(githubCallTimeoutMs(o.timeoutSeconds), (o.deadline - Date.now()) / 4),
  );
  return async (report, problems) => {
    const budget = o.signal?.aborted
      ? PUBLISH_CANCELLED_MS
      : Math.max(o.deadline - Date.now(), PUBLISH_MIN_MS);
    const notes = await within(
      starting.then(() => github.publish(report, problems)),
      budget,
    );
    if (notes) return notes;
    const note = `GitHub did not answer within ${Math.round(budget / 100) / 10}s: the PR comment and the check run may be missing or out of date; this summary and report.json are complete.`;
    o.log.say(`⚠️ ${note}`);
    return [note];
  };
}
