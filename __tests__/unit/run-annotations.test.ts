// The workflow run's annotations (one per unresolved finding, error or warning by whether it blocks)
// and the keys that let several Orixoon jobs share a PR: the sticky comment's marker per header.
import { describe, expect, test } from 'vitest';
import type { IssueComment } from '../../src/github/client.js';
import {
  composeBody,
  COMMENT_HEADER_RE,
  findStickyComments,
  STICKY_MARKER,
  stickyMarker,
} from '../../src/github/sticky-comment.js';
import { ANNOTATION_LIMITS, findingAnnotations } from '../../src/report/annotations.js';
import { makeFinding, makeReport } from '../helpers/github-server.js';

describe('findingAnnotations', () => {
  const report = makeReport([
    makeFinding({ checkId: 'redis', code: 'container_not_running', outcome: 'healed' }),
    makeFinding({
      id: 'ox-1',
      checkId: 'db',
      code: 'db_unreachable',
      message: 'PostgreSQL db unreachable',
      outcome: 'failed',
      reason: 'restart_container did not fix it after 3 attempts',
      failure: {
        attempted: 'restart_container (3 times)',
        attempts: 3,
        lastError: 'x',
        recommendation: 'Check the database server logs',
      },
    }),
    makeFinding({
      id: 'ox-2',
      checkId: 'api',
      code: 'crash_loop',
      message: "Container 'api' is crash-looping",
      outcome: 'awaiting_approval',
      reason: 'recreate_container is high risk',
      risk: 'high',
    }),
    makeFinding({
      id: 'ox-3',
      checkId: 'logs',
      code: 'high_error_rate',
      severity: 'warning',
      message: 'High error rate in app.log',
      outcome: 'not_healable',
      reason: 'no action',
    }),
  ]);

  test('fail-on blocked: errors for blocking findings, a warning for the warning, none for the healed one', () => {
    const a = findingAnnotations(report, 'blocked');
    expect(a.map((x) => [x.level, x.title])).toEqual([
      ['error', 'db: db_unreachable'],
      ['error', 'api: crash_loop'],
      ['warning', 'logs: high_error_rate'],
    ]);
    expect(a[0]!.message).toBe(
      'PostgreSQL db unreachable\nfailed: restart_container did not fix it after 3 attempts\nRecommendation: Check the database server logs',
    );
    expect(a[1]!.message).toContain(
      'Approve with a PR comment: /orixoon approve ox-2 (or the approve input: ox-2)',
    );
  });

  test('fail-on warning makes the warning an error; fail-on never blocks nothing, so only warnings', () => {
    expect(findingAnnotations(report, 'warning').map((x) => x.level)).toEqual(['error', 'error', 'error']);
    expect(findingAnnotations(report, 'never').map((x) => x.level)).toEqual([
      'warning',
      'warning',
      'warning',
    ]);
  });

  test('past GitHub’s per-step limit the last annotation counts the rest', () => {
    const many = makeReport(
      Array.from({ length: 14 }, (_, i) =>
        makeFinding({ id: `ox-${i}`, checkId: `c${i}`, code: 'command_failed', outcome: 'failed' }),
      ),
    );
    const a = findingAnnotations(many);
    expect(a).toHaveLength(ANNOTATION_LIMITS.error);
    expect(a.at(-1)!.title).toBe('6 more blocking findings');
    expect(a.at(-1)!.message).toBe(
      'c8: command_failed, c9: command_failed, c10: command_failed, c11: command_failed, c12: command_failed, c13: command_failed: see the job summary and report.json',
    );
  });
});

describe('sticky comment keyed by comment-header', () => {
  const bot = { login: 'github-actions[bot]', type: 'Bot' };
  const comment = (id: number, body: string): IssueComment => ({
    id,
    body,
    user: bot,
    created_at: '2025-01-10T14:30:00Z',
    updated_at: '2025-01-10T14:30:00Z',
    html_url: `https://x/${id}`,
    performed_via_github_app: null,
  });
  const identity = { login: 'github-actions[bot]', installation: true };

  test('no header keeps the marker of earlier versions; each header has its own, none a part of another', () => {
    expect(stickyMarker()).toBe(STICKY_MARKER);
    expect(stickyMarker('')).toBe(STICKY_MARKER);
    const markers = [
      stickyMarker(),
      stickyMarker('staging'),
      stickyMarker('staging-2'),
      stickyMarker('prod'),
    ];
    for (const a of markers) for (const b of markers) if (a !== b) expect(a.includes(b)).toBe(false);
  });

  test('each job finds only the comment of its own header', () => {
    const meta = { v: 1 as const, proposals: {} };
    const comments = [
      comment(1, composeBody({ content: 'plain', footer: '' }, meta)),
      comment(2, composeBody({ content: 'staging', footer: '' }, meta, 'staging')),
      comment(3, composeBody({ content: 'production', footer: '' }, meta, 'production')),
    ];
    expect(findStickyComments(comments, identity).map((c) => c.id)).toEqual([1]);
    expect(findStickyComments(comments, identity, 'staging').map((c) => c.id)).toEqual([2]);
    expect(findStickyComments(comments, identity, 'production').map((c) => c.id)).toEqual([3]);
    expect(findStickyComments(comments, identity, 'preview').map((c) => c.id)).toEqual([]);
    expect(comments[1]!.body).toContain('<sub>Orixoon · staging</sub>');
  });

  test('a header can neither close the HTML comment nor carry markup', () => {
    for (const ok of ['staging', 'Production EU', 'env/prod-1', 'a.b_c:d'])
      expect(COMMENT_HEADER_RE.test(ok)).toBe(true);
    for (const bad of ['', ' lead', 'x-->', '<b>', 'a\nb', 'x'.repeat(65), '-x'])
      expect(COMMENT_HEADER_RE.test(bad)).toBe(false);
  });
});
