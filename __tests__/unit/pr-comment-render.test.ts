// The PR comment / check-run renderer: what a reviewer sees, escaping, and the size limits.
import { describe, expect, it } from 'vitest';
import { HEAD_SHA, makeFinding, makeReport } from '../helpers/github-server.js';
import {
  CHECK_OUTPUT_LIMIT,
  cell,
  formatMilliseconds,
  renderCheckRunOutput,
  renderPrComment,
} from '../../src/report/pr-comment.js';

const RUN = 'https://github.example/acme/shop/actions/runs/1';

describe('renderPrComment', () => {
  it('shows the verdict alert, headline, counts, the findings tables and the run link', () => {
    const report = makeReport([
      makeFinding(),
      makeFinding({
        id: 'db-x',
        checkId: 'db',
        code: 'db_pool_exhausted',
        target: 'db',
        message: 'Database connection pool 90% full',
        action: 'terminate_idle_connections',
        outcome: 'failed',
        attempts: 3,
        durationMs: 65_000,
      }),
    ]);
    const { content, footer } = renderPrComment({ report, sha: HEAD_SHA, runUrl: RUN });
    expect(content.split('\n').slice(0, 5)).toEqual([
      '> [!CAUTION]',
      '> ### ⛔ Orixoon pre-deployment: blocked',
      '> **Deployment: BLOCKED (1 finding not healed)**',
      '>',
      '> ❌\u00a01 failed · ✅\u00a01 healed',
    ]);
    expect(content).toContain('| Outcome | Finding | Action |');
    expect(content).toContain(
      '| ❌&nbsp;failed | Database connection pool 90% full<br><sub>`db_pool_exhausted` · check `db`</sub> | `terminate_idle_connections`<br><sub>low risk · 3 tries · 1m 05s</sub> |',
    );
    expect(footer).toBe(
      `<sub>Commit \`a1b2c3d\` · [workflow run](${RUN}) · finished 2025-01-10T14:30:15.000Z · Orixoon 2.0.0</sub>`,
    );
  });

  it('lists pending approvals with their ids and exact approve command', () => {
    const f = makeFinding({
      id: 'api-crash_loop-a1b2c3d',
      code: 'crash_loop',
      action: 'recreate_container',
      risk: 'high',
      outcome: 'awaiting_approval',
    });
    const { content } = renderPrComment({ report: makeReport([f]), sha: HEAD_SHA, runUrl: RUN });
    expect(content).toContain('### ⏳ Pending approvals (1)');
    expect(content).toContain('for commit `a1b2c3d`');
    expect(content).toContain(
      "| Docker container 'redis' not running | `recreate_container`<br><sub>high risk</sub> | `/orixoon approve api-crash_loop-a1b2c3d` |",
    );
    expect(content).toContain('`/orixoon approve all`');
  });

  it('shows who approved, the dry-run plan note, and a passing run', () => {
    const approved = makeFinding({ approval: { id: 'x', via: 'comment', by: 'alice' } });
    const dry = makeReport([approved], {
      mode: { autoHeal: true, dryRun: true, discovered: true, configPath: null, phases: null },
    });
    const { content } = renderPrComment({ report: dry });
    expect(content).toContain('| ✅&nbsp;healed<br><sub>approved by @alice</sub> |');
    expect(content).toContain('🧪 **Dry run**: nothing was changed');
    expect(content).toContain('Ran on discovered defaults');
    expect(renderPrComment({ report: makeReport([]) }).content).toContain(
      'Every check passed; nothing needed healing.',
    );
  });

  it('escapes table cells: pipes and newlines cannot break the table', () => {
    const f = makeFinding({ message: 'bad | value\nsecond line', target: 'a|b' });
    const { content } = renderPrComment({ report: makeReport([f]) });
    const row = content.split('\n').find((l) => l.includes('bad \\| value second line'))!;
    expect(row).toBeDefined();
    expect(row.split(/(?<!\\)\|/).length).toBe(5); // 3 columns + the two outer edges
    expect(cell('x'.repeat(1000)).length).toBe(300);
  });

  it('renders config problems when there is no report', () => {
    const { content } = renderPrComment({
      report: null,
      problems: [
        {
          file: '.github/orixoon.yml',
          line: 4,
          column: 7,
          key: 'safety_limits.cooldown',
          message: 'Unrecognized key',
        },
      ],
    });
    expect(content).toContain('configuration invalid');
    expect(content).toContain('- .github/orixoon.yml:4:7 `safety_limits.cooldown`: Unrecognized key');
  });

  it('fits any report in the budget and points to the job summary', () => {
    const findings = Array.from({ length: 5000 }, (_, i) =>
      makeFinding({
        id: `f${i}`,
        message: `m${i} ${'y'.repeat(200)}`,
        outcome: i % 2 ? 'failed' : 'awaiting_approval',
      }),
    );
    const report = makeReport(findings, { errors: Array.from({ length: 100 }, () => 'e'.repeat(2000)) });
    for (const max of [65_535, 20_000, 5_000]) {
      const { content, footer } = renderPrComment({ report, runUrl: RUN }, max);
      expect(content.length + footer.length + 2).toBeLessThanOrEqual(max);
      expect(content).toContain(`[job summary](${RUN})`);
    }
    const out = renderCheckRunOutput(report, [], RUN);
    expect(out.summary.length).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
  });

  it('formats durations', () => {
    expect([
      formatMilliseconds(340),
      formatMilliseconds(1234),
      formatMilliseconds(125_000),
      formatMilliseconds(Number.NaN),
    ]).toEqual(['340 ms', '1.2 s', '2m 05s', '—']);
  });
});
