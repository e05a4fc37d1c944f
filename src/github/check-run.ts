// The "Orixoon pre-deployment" check run on the PR head commit, so branch protection can require it.
// When the token may not write checks (403), a commit status with the same name takes its place.
import { isAbsolute, relative } from 'node:path';
import type { ConfigProblem } from '../config/load.js';
import type { RunReport } from '../report/model.js';
import { renderCheckRunOutput } from '../report/pr-comment.js';
import { GitHubApiError, type CheckRunAnnotation, type CheckRunFields, type GitHubClient } from './client.js';
import { CHECK_NAME } from './keys.js';

export { CHECK_NAME };

/** GitHub accepts at most 50 annotations per create/update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckPublisherOptions {
  client: GitHubClient;
  sha: string;
  /** The check run's (and the commit status fallback's) name. Default CHECK_NAME. */
  name?: string;
  runUrl?: string;
  workspace?: string;
  redact: (text: string) => string;
  say: (text: string) => void;
  /** Told the check run's id once it exists and when it is completed (the action's post step needs it). */
  onCheckRun?: (id: number, status: 'in_progress' | 'completed') => void;
}

export interface CheckPublisher {
  start(): Promise<string | undefined>;
  complete(report: RunReport | null, problems?: ConfigProblem[]): Promise<string | undefined>;
  /** The check run's page, once it exists (a commit status has none). */
  url(): string | undefined;
}

/** Config problems as check-run annotations, with paths relative to the repository. */
export function problemAnnotations(problems: ConfigProblem[], workspace?: string): CheckRunAnnotation[] {
  return problems.map((p) => {
    let path = p.file;
    if (workspace && isAbsolute(path)) {
      const rel = relative(workspace, path);
      if (!rel.startsWith('..') && !isAbsolute(rel)) path = rel;
    }
    const line = p.line && p.line > 0 ? p.line : 1;
    const annotation: CheckRunAnnotation = {
      path: path.replace(/\\/g, '/'),
      start_line: line,
      end_line: line,
      annotation_level: 'failure',
      message: p.message.slice(0, 64_000),
      title: p.key ? `Invalid config: ${p.key}`.slice(0, 255) : 'Invalid config',
    };
    if (p.line && p.column && p.column > 0) {
      annotation.start_column = p.column;
      annotation.end_column = p.column;
    }
    return annotation;
  });
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createCheckPublisher(options: CheckPublisherOptions): CheckPublisher {
  const { client, sha, runUrl, redact, say } = options;
  const name = options.name ?? CHECK_NAME;
  let htmlUrl: string | undefined;
  // Per-integration state: the check run id, or the commit-status fallback once checks are refused.
  let checkRunId: number | undefined;
  let mode: 'check' | 'status' | 'off' = 'check';

  async function setStatus(
    state: 'pending' | 'success' | 'failure',
    description: string,
  ): Promise<string | undefined> {
    try {
      await client.createCommitStatus(sha, {
        state,
        context: name,
        description: redact(description).slice(0, 140),
        target_url: runUrl,
      });
      say(`🏷️ Commit status '${name}' set to ${state} on ${sha.slice(0, 7)}`);
      return undefined;
    } catch (err) {
      mode = 'off';
      if (err instanceof GitHubApiError && err.forbidden) {
        return `Check run and commit status skipped: the token may write neither checks nor statuses (HTTP ${err.status}); a fork PR's token is read-only, otherwise give the job \`checks: write\` or \`statuses: write\`.`;
      }
      return `Commit status not set: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  function forbiddenChecks(err: unknown): boolean {
    return err instanceof GitHubApiError && err.forbidden;
  }

  return {
    url: () => (mode === 'check' ? htmlUrl : undefined),

    async start() {
      if (mode !== 'check' || checkRunId !== undefined) return undefined;
      try {
        const created = await client.createCheckRun(name, sha, {
          status: 'in_progress',
          started_at: new Date().toISOString(),
          details_url: runUrl,
          output: { title: 'Running pre-deployment checks', summary: 'Orixoon is checking the environment…' },
        });
        checkRunId = created.id;
        htmlUrl = created.htmlUrl;
        options.onCheckRun?.(created.id, 'in_progress');
        say(`🏷️ Check run '${name}' started on ${sha.slice(0, 7)}`);
        return undefined;
      } catch (err) {
        if (forbiddenChecks(err)) {
          mode = 'status';
          say(
            `⚠️ The token may not create check runs (HTTP ${(err as GitHubApiError).status}); using a commit status instead`,
          );
          return setStatus('pending', 'Running pre-deployment checks…');
        }
        // Not fatal: publish() creates the check run completed.
        say(`⚠️ Check run not started: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    },

    async complete(report, problems = []) {
      if (mode === 'off') return undefined;
      // The check follows the step: the engine's deployment decision (verdict under fail-on).
      const success = !!report && report.deployment !== 'blocked';
      const headline = report ? report.headline : `Deployment: BLOCKED (configuration invalid)`;
      if (mode === 'status') return setStatus(success ? 'success' : 'failure', headline);

      const output = renderCheckRunOutput(report, problems, runUrl);
      const title = redact(output.title);
      const summary = redact(output.summary);
      const batches = chunk(problemAnnotations(problems, options.workspace), ANNOTATIONS_PER_REQUEST).map(
        (b) => b.map((a) => ({ ...a, message: redact(a.message), path: redact(a.path) })),
      );
      const final: CheckRunFields = {
        status: 'completed',
        conclusion: success ? 'success' : 'failure',
        completed_at: new Date().toISOString(),
        details_url: runUrl,
        output: { title, summary, ...(batches[0] ? { annotations: batches[0] } : {}) },
      };
      try {
        if (checkRunId === undefined) {
          const created = await client.createCheckRun(name, sha, final);
          checkRunId = created.id;
          htmlUrl = created.htmlUrl;
        } else {
          await client.updateCheckRun(checkRunId, final);
        }
        // Further annotations: each update appends up to 50 more.
        for (const batch of batches.slice(1)) {
          await client.updateCheckRun(checkRunId, { output: { title, summary, annotations: batch } });
        }
        options.onCheckRun?.(checkRunId, 'completed');
        say(`🏷️ Check run '${name}' completed: ${final.conclusion}`);
        return undefined;
      } catch (err) {
        if (forbiddenChecks(err)) {
          mode = 'status';
          return setStatus(success ? 'success' : 'failure', headline);
        }
        return `Check run not completed: ${err instanceof Error ? err.message : String(err)}`;
      }
    },
  };
}
