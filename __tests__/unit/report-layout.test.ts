// What a reader sees first in the job summary and the PR comment: the verdict as a GitHub alert with
// the counts, what blocks the deployment (most pressing first, with its failure report open), the
// passed checks collapsed, a healing-actions table narrow enough for a PR page, the same icons and
// words in both, pictures of dependencies and heals, and paths relative to the workspace.
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { makeFinding, makeReport } from '../helpers/github-server.js';
import { SAMPLE_RUN_URL, SAMPLE_SHA, SAMPLE_WORKSPACE, sampleReport } from '../helpers/sample-report.js';
import type { FindingReport, RunReport } from '../../src/report/model.js';
import { truncate } from '../../src/report/markdown.js';
import { renderPrComment } from '../../src/report/pr-comment.js';
import { renderSummary } from '../../src/report/summary.js';

const WS = SAMPLE_WORKSPACE;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function summaryOf(report: RunReport): string {
  return renderSummary(report, [], { workspace: WS });
}

function commentOf(report: RunReport): string {
  return renderPrComment({ report, sha: SAMPLE_SHA, runUrl: SAMPLE_RUN_URL, workspace: WS }).content;
}

/** Both renderings, labelled, so every assertion runs on each. */
function both(report: RunReport): Array<[string, string]> {
  return [
    ['summary', summaryOf(report)],
    ['comment', commentOf(report)],
  ];
}

function html(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** The Markdown of one `### heading` section, up to the next heading of that level or higher. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`### ${heading}`);
  if (start < 0) return '';
  const next = markdown.slice(start + 4).search(/\n#{1,3} |\n<details>/);
  return next < 0 ? markdown.slice(start) : markdown.slice(start, start + 4 + next);
}

/** The text of a table's first column, per data row. */
function firstColumn(table: string): string[] {
  return table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !/^\| (Outcome|Action|Finding|Check) \||^\| :?-{3}/.test(l))
    .map((l) => l.split(/(?<!\\)\|/)[1]!.trim());
}

describe('job summary and PR comment layout', () => {
  it('starts with the verdict as a GitHub alert: CAUTION when blocked, TIP when passed or healed, with the counts', () => {
    const cases: Array<[RunReport, string, string]> = [
      [sampleReport(), 'CAUTION', '⛔ Orixoon pre-deployment: blocked'],
      [makeReport([makeFinding()]), 'TIP', '🩹 Orixoon pre-deployment: healed'],
      [makeReport([]), 'TIP', '✅ Orixoon pre-deployment: passed'],
      // fail-on: never lets a broken run deploy: still a warning, not a tip.
      [
        makeReport([makeFinding({ outcome: 'failed' })], { failOn: 'never' }),
        'WARNING',
        '⛔ Orixoon pre-deployment: blocked',
      ],
    ];
    for (const [report, kind, title] of cases) {
      for (const [name, md] of both(report)) {
        const lines = md.split('\n');
        expect(lines[0], name).toBe(`> [!${kind}]`);
        expect(lines[1], name).toBe(`> ### ${title}`);
        expect(lines[2], name).toBe(`> **${report.headline}**`);
      }
    }
    for (const [name, md] of both(sampleReport())) {
      expect(md.split('\n')[4], name).toBe(
        '> ❌\u00a01 failed · ⏳\u00a01 awaiting approval · 🔗\u00a02 blocked by dependency · ✅\u00a02 healed · ✅\u00a01 recovered · ✅\u00a05 of 12 checks passed',
      );
    }
  });

  it('collapses the passed checks into <details> and lists no passed check outside it', () => {
    for (const [name, md] of both(sampleReport())) {
      const details = /<details><summary>✅\u00a05 checks passed<\/summary>\n\n([\s\S]*?)\n<\/details>/.exec(
        md,
      );
      expect(details, name).not.toBeNull();
      expect(firstColumn(details![1]!)).toEqual([
        '`postgres`',
        '`tds-scheduler`',
        '`zoho-sync`',
        '`disk`',
        '`migrations`',
      ]);
      const outside = md.replace(details![0], '');
      expect(outside, name).not.toContain('heartbeat 14s old');
      expect(outside, name).not.toMatch(/\|\s*`disk`\s*\|/);
      // Rendered, the list is a closed <details> holding the table.
      expect(html(md), name).toMatch(/<details><summary>[^<]*checks passed<\/summary>\s*<table>/);
    }
  });

  it('puts the blocking findings first, most severe first, with their failure reports open', () => {
    const warning = makeFinding({
      id: 'w',
      checkId: 'cache',
      code: 'redis_high_memory',
      message: 'Redis memory 85% of maxmemory',
      severity: 'warning',
      outcome: 'failed',
    });
    const base = sampleReport();
    // The warning comes first in run order; the order shown must not depend on it.
    const report = { ...base, findings: [warning, ...base.findings] };
    for (const [name, md] of both(report)) {
      const blocking = section(md, '🚧 Blocking the deployment (5)');
      expect(blocking, name).not.toBe('');
      expect(md.indexOf('### 🚧 Blocking'), name).toBeLessThan(md.indexOf('### 🩹 Healed'));
      expect(md.indexOf('### 🚧 Blocking'), name).toBeLessThan(md.indexOf('<details>'));
      expect(firstColumn(blocking).map((c) => c.replace(/<br>.*/, ''))).toEqual([
        '❌&nbsp;failed',
        '⏳&nbsp;awaiting approval',
        '🔗&nbsp;blocked by dependency',
        '🔗&nbsp;blocked by dependency',
        '❌&nbsp;failed',
      ]);
      // The warning is the last row; the error that failed is the first.
      const rows = blocking.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Outcome'));
      expect(rows[0], name).toContain("Docker container 'shop-app-1' unhealthy");
      expect(rows.at(-1), name).toContain('Redis memory 85% of maxmemory');
      // The failure report sits right under the table, open (not inside <details>).
      const report = blocking.slice(blocking.indexOf('#### ❌ Failure reports'));
      expect(report, name).toContain("❌ HEALING FAILED: Docker container 'shop-app-1' unhealthy");
      expect(report, name).toContain('Deployment: BLOCKED for safety');
      expect(md.slice(0, md.indexOf('HEALING FAILED')), name).not.toContain('<details>');
      // Why a dependent is blocked is said in its row.
      expect(blocking, name).toContain('not healed: its dependency app is still failing');
    }
  });

  it('keeps the healing-actions table narrow: three columns, no ISO timestamps, no reason repeated', () => {
    for (const [name, md] of both(sampleReport())) {
      const actions = section(md, '🔧 Healing actions (5)');
      expect(actions, name).toContain('| Action | Result | What happened |');
      for (const row of actions.split('\n').filter((l) => l.startsWith('| '))) {
        expect(row.split(/(?<!\\)\|/).length, row).toBe(5);
      }
      expect(actions, name).not.toMatch(ISO);
      expect(md, name).not.toMatch(ISO);
      // The same re-test failure is told once; the last try points to the failure report.
      expect(actions.match(/health is unhealthy after 10 s/g), name).toHaveLength(1);
      expect(actions, name).toContain('_same as try 1_');
      expect(actions, name).toContain('_as in the failure report above_');
      expect(actions, name).toContain('check `app` · try 3');
    }
  });

  it('uses the same icons and words in the summary and the comment', () => {
    const outcomes = [
      'healed',
      'recovered',
      'failed',
      'not_healable',
      'disabled',
      'limit_reached',
      'awaiting_approval',
      'guarded',
      'blocked_by_dependency',
    ] as const;
    const findings: FindingReport[] = outcomes.map((outcome) =>
      makeFinding({ id: outcome, checkId: outcome, outcome, reason: `because ${outcome}` }),
    );
    const report = makeReport(findings);
    const [[, summary], [, comment]] = both(report);
    const labels = (md: string): string[] =>
      [...md.matchAll(/^\| ([^|]*?&nbsp;[^|<]*)/gm)].map((m) => m[1]!.trim()).sort();
    expect(labels(summary)).toEqual(labels(comment));
    expect(labels(summary)).toEqual(
      [
        '✅&nbsp;healed',
        '✅&nbsp;recovered',
        '❌&nbsp;failed',
        '🚫&nbsp;not healable',
        '⏸️&nbsp;healing disabled',
        '🛑&nbsp;limit reached',
        '⏳&nbsp;awaiting approval',
        '🛡️&nbsp;guarded',
        '🔗&nbsp;blocked by dependency',
      ].sort(),
    );
    // The counts line, headings and titles are the same text too.
    const headings = (md: string): string[] => md.match(/^#{2,4} .*$/gm) ?? [];
    expect(headings(summary)).toEqual(headings(comment));
    expect(summary.split('\n').slice(0, 5)).toEqual(comment.split('\n').slice(0, 5));
  });

  it('says how often an action was attempted once, never "(1 time) × 1"', () => {
    const f = makeFinding({
      outcome: 'failed',
      attempts: 1,
      failure: {
        attempted: 'start_container (1 time)',
        attempts: 1,
        lastError: 'exited again',
        recommendation: 'look',
      },
    });
    for (const [name, md] of both(makeReport([f]))) {
      expect(md, name).toContain('Attempted: start_container (1 time)');
      expect(md, name).not.toMatch(/×\s*1\b/);
      expect(md, name).not.toMatch(/\(1 time\)`? ×/);
      expect(md, name).toContain('low risk · 1 try · 1.2 s');
    }
  });

  it('draws the check dependencies (coloured by outcome) and the heal timeline as Mermaid blocks', () => {
    for (const [name, md] of both(sampleReport())) {
      const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
      expect(blocks, name).toHaveLength(2);
      const [graph, gantt] = blocks as [string, string];
      expect(graph.split('\n')[0]).toBe('flowchart LR');
      for (const outcome of [
        'passed',
        'healed',
        'recovered',
        'failed',
        'blocked_by_dependency',
        'awaiting_approval',
      ]) {
        expect(graph, outcome).toMatch(new RegExp(`^  classDef ${outcome} `, 'm'));
        expect(graph, outcome).toMatch(new RegExp(`^  class c\\d+(,c\\d+)* ${outcome}$`, 'm'));
      }
      // app (failed) → api (blocked by dependency): the reason is drawn, in red.
      expect(graph).toContain('c2["app<br/>❌ failed"]');
      expect(graph).toContain('c8["api<br/>🔗 blocked by dependency"]');
      expect(graph).toContain('c2 --> c8');
      expect(graph).toMatch(/^ {2}linkStyle [\d,]+ stroke:#cf222e/m);
      // Each heal: action → re-test → retry delay → next try, on the run's clock.
      expect(gantt).toMatch(/^---\nconfig:\n {2}gantt:\n {4}leftPadding: 75\n---\ngantt\n/);
      expect(gantt).toContain('  section app\n  restart_container try 1');
      expect(gantt).toContain('  restart_container try 1 :active, 1736519404000, 1736519406100');
      expect(gantt).toContain('  re-test failed :crit, 1736519406100, 1736519416100');
      expect(gantt).toContain('  retry delay :1736519416100, 1736519426100');
      expect(gantt).toContain('  restart_container try 2 :active, 1736519426100, 1736519428200');
      expect(gantt).toContain('  re-test passed :done, 1736519402260, 1736519403340');
    }
  });

  it('shows paths relative to the workspace, never the runner’s absolute paths', () => {
    for (const [name, md] of both(sampleReport())) {
      expect(md, name).not.toContain('/home/runner/work');
      expect(md, name).toContain('.github/orixoon-patterns.json');
    }
    expect(summaryOf(sampleReport())).toContain('config `.github/orixoon.yml`');
    const problems = renderPrComment({
      report: null,
      workspace: WS,
      problems: [
        { file: `${WS}/.github/orixoon.yml`, line: 3, column: 5, key: 'phases', message: 'Required' },
      ],
    }).content;
    expect(problems).toContain('- .github/orixoon.yml:3:5 `phases`: Required');
    expect(problems).not.toContain('/home/runner');
  });

  it('cuts an oversized summary outside any code block or <details>, with the pointer readable', () => {
    const text = [
      '# t',
      '<details><summary>s</summary>',
      '',
      '````text',
      ...Array(400).fill('x'.repeat(20)),
    ].join('\n');
    const cut = truncate(text, 2_000, 'POINTER');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2_000);
    expect(cut.endsWith('x\n````\n</details>\n\nPOINTER')).toBe(true);
    expect(html(cut)).toMatch(/<\/pre>\s*<\/details>\s*<p>POINTER<\/p>/);
  });
});
