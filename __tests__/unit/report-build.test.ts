// The one verdict and deployment decision (src/report/build.ts): every fail-on against every kind of
// run, the counts and the headline, and the reports built outside the engine agreeing with it.
import { describe, expect, it } from 'vitest';
import { buildVerdict, type FailOn } from '../../src/report/build.js';
import { blockedReport } from '../../src/engine/interruption.js';
import { renderConfigProblems } from '../../src/report/config-problems.js';
import type { FindingReport } from '../../src/report/model.js';
import { makeFinding } from '../helpers/github-server.js';

const healedError = makeFinding({ outcome: 'healed' });
const failedError = makeFinding({ id: 'e', outcome: 'failed' });
const warning = makeFinding({
  id: 'w',
  code: 'redis_high_memory',
  severity: 'warning',
  outcome: 'failed',
  message: 'Redis memory 85% of maxmemory',
});

const RUNS: Record<string, FindingReport[]> = {
  passed: [],
  healed: [healedError],
  blocked: [failedError],
  'warnings-only': [warning],
};

// run → [verdict, deployment under fail-on blocked, warning, never]
const TABLE: Record<string, [string, string, string, string]> = {
  passed: ['passed', 'allowed', 'allowed', 'allowed'],
  healed: ['healed', 'allowed', 'allowed', 'allowed'],
  blocked: ['blocked', 'blocked', 'blocked', 'allowed'],
  'warnings-only': ['passed', 'allowed', 'blocked', 'allowed'],
};
const FAIL_ON: FailOn[] = ['blocked', 'warning', 'never'];

describe('buildVerdict', () => {
  it('decides the verdict once and the deployment under each fail-on', () => {
    for (const [run, findings] of Object.entries(RUNS)) {
      const [verdict, ...deployments] = TABLE[run]!;
      FAIL_ON.forEach((failOn, i) => {
        const r = buildVerdict({ findings, failOn });
        expect(r.verdict, `${run} / fail-on ${failOn}`).toBe(verdict);
        expect(r.deployment, `${run} / fail-on ${failOn}`).toBe(deployments[i]);
      });
    }
    // fail-on defaults to blocked.
    expect(buildVerdict({ findings: [warning] }).deployment).toBe('allowed');
    expect(buildVerdict({ findings: [failedError] }).deployment).toBe('blocked');
  });

  it('the headline states the deployment decision the step acts on, under every fail-on', () => {
    for (const [run, findings] of Object.entries(RUNS)) {
      for (const failOn of FAIL_ON) {
        const r = buildVerdict({ findings, failOn });
        const said = /^Deployment: (ALLOWED|BLOCKED)/.exec(r.headline)?.[1];
        expect(said, `${run} / fail-on ${failOn}: ${r.headline}`).toBe(r.deployment.toUpperCase());
      }
    }
    expect(buildVerdict({ findings: [warning], failOn: 'warning' }).headline).toBe(
      'Deployment: BLOCKED by fail-on: warning (1 warning not resolved)',
    );
    expect(buildVerdict({ findings: [failedError], failOn: 'never' }).headline).toBe(
      'Deployment: ALLOWED by fail-on: never (1 finding not healed)',
    );
  });

  it('counts the outcomes and writes the headline from the verdict', () => {
    expect(buildVerdict({ findings: [] })).toMatchObject({
      headline: 'Deployment: ALLOWED (all checks passed)',
      counts: { findings: 0, healed: 0, recovered: 0, failed: 0, awaitingApproval: 0, blocked: 0 },
    });
    const recovered = makeFinding({ id: 'r', outcome: 'recovered' });
    expect(buildVerdict({ findings: [healedError, recovered] }).headline).toBe(
      'Deployment: ALLOWED (healed 2 findings)',
    );
    const awaiting = makeFinding({ id: 'a', outcome: 'awaiting_approval' });
    const dependent = makeFinding({ id: 'd', outcome: 'blocked_by_dependency' });
    const r = buildVerdict({ findings: [healedError, failedError, awaiting, dependent, warning] });
    expect(r.verdict).toBe('blocked');
    // A warning never blocks; an awaited approval blocks but is not a failure.
    expect(r.counts).toEqual({
      findings: 5,
      healed: 1,
      recovered: 0,
      failed: 3,
      awaitingApproval: 1,
      blocked: 3,
    });
    expect(r.headline).toBe('Deployment: BLOCKED (3 findings not healed)');
  });

  it('blocks a failed or interrupted run whatever its findings say', () => {
    const failedRun = buildVerdict({ findings: [], runFailed: true, errors: ['No checks to run'] });
    expect(failedRun).toMatchObject({
      verdict: 'blocked',
      deployment: 'blocked',
      headline: 'Deployment: BLOCKED (No checks to run)',
    });
    expect(buildVerdict({ findings: [], runFailed: true }).headline).toBe('Deployment: BLOCKED (run failed)');
    const deadline = { reason: 'deadline' as const, detail: 'run deadline of 2s (timeout-seconds) reached' };
    const interrupted = buildVerdict({ findings: [healedError, failedError], interrupted: deadline });
    expect(interrupted.verdict).toBe('blocked');
    expect(interrupted.headline).toBe(
      'Deployment: BLOCKED (deadline reached: run deadline of 2s (timeout-seconds) reached; 1 finding not healed)',
    );
    expect(buildVerdict({ findings: [], interrupted: deadline, failOn: 'never' }).deployment).toBe('allowed');
  });

  it('the blocked report of an interrupted run carries the same decision', () => {
    const interrupted = { reason: 'cancelled' as const, detail: 'cancelled: SIGTERM' };
    for (const failOn of FAIL_ON) {
      const report = blockedReport({ startedAt: new Date(), interrupted, failOn });
      const { verdict, deployment, counts, headline } = report;
      expect({ verdict, deployment, counts, headline }).toEqual(
        buildVerdict({ findings: [], interrupted, failOn }),
      );
    }
  });
});

describe('renderConfigProblems', () => {
  it('renders the rejected configuration as the job summary: every problem with its place, then the notes', () => {
    const md = renderConfigProblems(
      [
        {
          file: '.github/orixoon.yml',
          line: 4,
          column: 7,
          key: 'phases[0].checks[0].type',
          message: 'unknown type',
        },
        { file: '.github/orixoon.yml', key: '', message: 'expected a mapping' },
      ],
      ['PR comment not written: fork PR'],
    );
    expect(md.split('\n')).toEqual([
      '## 🚫 Orixoon: BLOCKED — invalid configuration',
      '',
      'Nothing was checked or changed. Fix these and re-run:',
      '',
      '- `.github/orixoon.yml:4:7: phases[0].checks[0].type: unknown type`',
      '- `.github/orixoon.yml: expected a mapping`',
      '> PR comment not written: fork PR',
      '',
    ]);
  });
});
