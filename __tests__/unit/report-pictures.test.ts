// The Mermaid pictures stay within what GitHub draws (bounded nodes, tasks and text), say what they
// left out, and derive each heal's timeline from the actions' own times.
import { describe, expect, it } from 'vitest';
import { makeFinding, makeReport } from '../helpers/github-server.js';
import { sampleReport } from '../helpers/sample-report.js';
import {
  MAX_GRAPH_NODES,
  MAX_TIMELINE_HEALS,
  dependencyGraph,
  healTimeline,
  mermaidText,
} from '../../src/report/mermaid.js';
import type { ActionRecord, CheckReport, RunReport } from '../../src/report/model.js';
import { COMMENT_LIMIT, renderPrComment } from '../../src/report/pr-comment.js';

/** GitHub's Mermaid refuses diagrams over 50,000 characters. */
const MERMAID_TEXT_LIMIT = 50_000;

function chain(n: number): RunReport {
  // 300 checks, each depending on the one before; every third one failed.
  const checks: CheckReport[] = Array.from({ length: n }, (_, i) => ({
    id: `svc-${i}`,
    type: 'container',
    phase: 'p',
    status: i % 3 ? 'passed' : 'failed',
    durationMs: 1,
    findings: i % 3 ? [] : [`f${i}`],
    dependsOn: i ? [`svc-${i - 1}`] : [],
  }));
  const findings = checks
    .filter((c) => c.findings.length)
    .map((c) => makeFinding({ id: c.findings[0]!, checkId: c.id, outcome: 'failed' }));
  return makeReport(findings, { phases: [{ name: 'p', status: 'failed', durationMs: 1, checks }] });
}

function action(over: Partial<ActionRecord>): ActionRecord {
  return {
    timestamp: '2025-01-10T14:30:00.000Z',
    issue: 'x',
    code: 'container_not_running',
    checkId: 'redis',
    target: 'redis',
    action: 'start_container',
    category: 'container',
    attempt: 1,
    success: true,
    details: 'ok',
    durationMs: 1000,
    ...over,
  };
}

describe('Mermaid pictures', () => {
  it('draws no dependency graph when no check depends on another', () => {
    expect(dependencyGraph(makeReport([]))).toBeUndefined();
    const lone = makeReport([], {
      phases: [
        {
          name: 'p',
          status: 'passed',
          durationMs: 1,
          checks: [
            {
              id: 'a',
              type: 'http',
              phase: 'p',
              status: 'passed',
              durationMs: 1,
              findings: [],
              dependsOn: [],
            },
          ],
        },
      ],
    });
    expect(dependencyGraph(lone)).toBeUndefined();
  });

  it('bounds the dependency graph to 50 checks, broken ones first, and says how many were left out', () => {
    const graph = dependencyGraph(chain(300))!;
    const nodes = graph.match(/^ {2}c\d+\["/gm) ?? [];
    expect(nodes).toHaveLength(MAX_GRAPH_NODES);
    expect(graph).toContain('_250 more checks with dependencies not drawn (diagram size limit)');
    expect(graph.length).toBeLessThan(MERMAID_TEXT_LIMIT);
    // The failed checks' dependencies come first (here the start of the chain), with every
    // dependency between two drawn checks.
    const ids = nodes.map((_, i) => new RegExp(`^  c${i}\\["([^<]+)<br/>`, 'm').exec(graph)![1]);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `svc-${i}`));
    expect(graph.match(/^ {2}c\d+ --> c\d+$/gm)).toHaveLength(49);
    expect(graph).toContain('c0["svc-0<br/>❌ failed"]');
  });

  it('bounds the heal timeline to 10 heals and says how many were left out', () => {
    const actions = Array.from({ length: 30 }, (_, i) =>
      action({ checkId: `c${i}`, timestamp: new Date(Date.UTC(2025, 0, 10, 14, 30, i)).toISOString() }),
    );
    const gantt = healTimeline(makeReport([], { actions }))!;
    expect(gantt.match(/^ {2}section /gm)).toHaveLength(MAX_TIMELINE_HEALS);
    expect(gantt).toContain('_20 more heals not drawn (diagram size limit)');
  });

  it('splits each try into action and re-test when the action time is known, and shows the retry delay', () => {
    const t = Date.parse('2025-01-10T14:30:00.000Z');
    const gantt = healTimeline(
      makeReport([makeFinding({ outcome: 'healed' })], {
        actions: [
          action({ attempt: 1, success: false, durationMs: 12_000, actionMs: 2_000 }),
          action({ attempt: 2, timestamp: new Date(t + 22_000).toISOString(), durationMs: 3_000 }),
        ],
      }),
    )!;
    expect(gantt.split('\n').slice(1, -1)).toEqual([
      '---',
      'config:',
      '  gantt:',
      '    leftPadding: 75',
      '---',
      'gantt',
      '  dateFormat x',
      '  axisFormat %H:%M:%S',
      '  todayMarker off',
      '  tickInterval 5second',
      '  section redis',
      `  start_container try 1 :active, ${t}, ${t + 2000}`,
      `  re-test failed :crit, ${t + 2000}, ${t + 12_000}`,
      `  retry delay :${t + 12_000}, ${t + 22_000}`,
      // Without the action's own time, action and re-test are one bar.
      `  start_container try 2 and re-test passed :done, ${t + 22_000}, ${t + 25_000}`,
    ]);
    expect(healTimeline(makeReport([]))).toBeUndefined();
  });

  it('reduces outside text to plain words', () => {
    expect(mermaidText('db"]\nclick c0 href "javascript:x"\n%%{init: {}}%%')).toBe(
      'db click c0 href javascript x init',
    );
    expect(mermaidText('a'.repeat(100))).toHaveLength(40);
    expect(mermaidText('')).toBe('?');
  });

  it('keeps the PR comment with both pictures under GitHub’s limit for a very large run', () => {
    const big = chain(300);
    big.actions = Array.from({ length: 400 }, (_, i) =>
      action({ checkId: `svc-${i % 100}`, attempt: 1 + Math.floor(i / 100), details: 'd'.repeat(500) }),
    );
    const { content, footer } = renderPrComment({ report: big });
    expect(content.length + footer.length + 2).toBeLessThan(COMMENT_LIMIT);
    // The sample run keeps everything, pictures included.
    const sample = renderPrComment({ report: sampleReport() }).content;
    expect(sample.match(/```mermaid/g)).toHaveLength(2);
  });
});
