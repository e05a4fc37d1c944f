// Untrusted text (command output, log lines, names, errors) in the PR comment, the check-run output
// and the job summary is inert: rendered with a GFM renderer, it yields no link, no image, no raw
// HTML, no mention outside code, no heading or emphasis of its own, no extra table cell, and never
// closes our code spans or fences.
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { makeFinding, makeReport } from '../helpers/github-server.js';
import { codeBlock, codeSpan, inert } from '../../src/report/markdown.js';
import { renderCheckRunOutput, renderPrComment } from '../../src/report/pr-comment.js';
import { renderSummary } from '../../src/report/summary.js';
import type { RunReport } from '../../src/report/model.js';

const HOSTILE = [
  '@acme/security-team please look, cc @octocat',
  '![x](http://evil.example/p.png)',
  '<img src=http://evil.example/i.png> <script>alert(1)</script> <b>pwned-bold</b>',
  '[click](http://evil.example/) and http://evil.example/auto and www.evil.example',
  '<http://evil.example/angle> mail admin@evil.example about #123 and GH-7',
  '`code` ``` ```` ` fence breaker',
  '| a | b | c |',
  '**pwned-strong** _pwned-em_ ~~pwned-del~~ $x^2$',
  '&#64;entity-mention &lt;img src=x&gt; [^1]',
].join(' ');
const MULTILINE = `line one\n\`\`\`\n# pwned-heading\n\`\`\`\n---\n- pwned-list\n> pwned-quote\n${HOSTILE}`;

function hostileReport(): RunReport {
  const failed = makeFinding({
    id: 'ox-0123456789',
    message: MULTILINE,
    target: HOSTILE,
    reason: HOSTILE,
    outcome: 'failed',
    retest: HOSTILE,
    failure: { attempted: 'restart_container', attempts: 2, lastError: MULTILINE, recommendation: HOSTILE },
  });
  const pending = makeFinding({
    id: 'ox-9876543210',
    checkId: 'api',
    message: HOSTILE,
    outcome: 'awaiting_approval',
    action: 'recreate_container',
    risk: 'high',
    plan: HOSTILE,
  });
  const dry = makeFinding({ id: 'ox-5555555555', checkId: 'dry', outcome: 'dry_run', plan: MULTILINE });
  return makeReport([failed, pending, dry], {
    errors: [MULTILINE],
    notes: [MULTILINE],
    recommendations: [MULTILINE],
    phases: [
      {
        name: `# ${HOSTILE}`,
        status: 'failed',
        durationMs: 10,
        checks: [
          {
            id: 'redis',
            type: 'container',
            phase: 'p',
            status: 'failed',
            summary: HOSTILE,
            durationMs: 10,
            findings: [failed.id],
            dependsOn: [],
          },
          {
            id: 'ok',
            type: 'command',
            phase: 'p',
            status: 'passed',
            summary: MULTILINE,
            durationMs: 10,
            findings: [],
            dependsOn: [],
          },
          // An id from outside in the dependency picture.
          {
            id: MULTILINE,
            type: 'command',
            phase: 'p',
            status: 'passed',
            durationMs: 10,
            findings: [],
            dependsOn: ['redis', 'ok'],
          },
        ],
      },
    ],
    actions: [
      {
        timestamp: '2025-01-10T14:30:01.000Z',
        issue: HOSTILE,
        code: 'container_not_running',
        checkId: 'redis',
        target: HOSTILE,
        action: 'start_container',
        category: 'container',
        attempt: 1,
        success: false,
        details: MULTILINE,
        durationMs: 5,
      },
      // Names from outside in the heal timeline.
      {
        timestamp: '2025-01-10T14:30:02.000Z',
        issue: HOSTILE,
        code: 'command_failed',
        checkId: MULTILINE,
        target: HOSTILE,
        action: `click x href "javascript:alert(1)" ${HOSTILE} :crit, 1, 2\n%%{init: {}}%%`,
        category: 'other',
        attempt: 1,
        success: true,
        details: MULTILINE,
        durationMs: 5,
        actionMs: 2,
      },
    ],
  });
}

function html(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The visible text GitHub would scan for mentions and links: everything outside code and pre. */
function textOutsideCode(rendered: string): string {
  return decodeEntities(
    rendered
      .replace(/<pre>[\s\S]*?<\/pre>/g, ' ')
      .replace(/<code>[\s\S]*?<\/code>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  );
}

/** What a GFM renderer made of `markdown` must hold nothing the untrusted text asked for. */
function expectInert(markdown: string, ownLinks = 0): void {
  const out = html(markdown);
  expect(out.match(/<a\s/g) ?? [], out).toHaveLength(ownLinks);
  expect(out).not.toMatch(/<img|<script|<b>|<del>|<iframe|<sup>|<blockquote>\s*<p>pwned/);
  expect(out).not.toMatch(/<h[1-6][^>]*>[^<]*pwned/);
  expect(out).not.toMatch(/<(em|strong)>pwned/);
  expect(out).not.toMatch(/<li>pwned/);
  const visible = textOutsideCode(out);
  expect(visible).not.toMatch(/@[A-Za-z0-9]/);
  expect(visible).not.toMatch(/https?:|www\./i);
  expect(visible).not.toMatch(/#\d|GH-\d/);
  // Every table row has as many cells as its header.
  for (const tableHtml of out.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
    const columns = (tableHtml.match(/<th[\s>]/g) ?? []).length;
    for (const row of tableHtml.match(/<tr>[\s\S]*?<\/tr>/g)!.slice(1)) {
      expect((row.match(/<td[\s>]/g) ?? []).length, row).toBe(columns);
    }
  }
}

/**
 * Every Mermaid block holds only statements Orixoon writes, with outside text reduced to plain words:
 * nothing can end a label, start a statement (`click`, `%%{init}%%`, `style`), or carry markup.
 */
function expectSafeMermaid(markdown: string, expectedBlocks: number): void {
  const blocks = [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
  expect(blocks).toHaveLength(expectedBlocks);
  const text = "[\\p{L}\\p{N} ._()'+,/…-]+";
  const label = '(?:[^"<>\\[\\]{}:;%#`|]|\\p{Extended_Pictographic})+';
  // A Gantt task named like a statement would become one.
  const keyword =
    /^ {2}(click|section|title|dateFormat|axisFormat|tickInterval|excludes|includes|todayMarker)\b.* :/i;
  const statements = [
    /^flowchart LR$/,
    new RegExp(`^  c\\d+\\["${text}<br/>${label}"\\]$`, 'u'),
    /^ {2}c\d+ --> c\d+$/,
    /^ {2}classDef [a-z_]+ [a-z0-9:#,. -]+$/,
    /^ {2}class c\d+(,c\d+)* [a-z_]+$/,
    /^ {2}linkStyle [\d,]+ stroke:#[0-9a-f]{6},stroke-width:2px$/,
    /^---$/,
    /^config:$/,
    /^ {2}gantt:$/,
    /^ {4}leftPadding: \d+$/,
    /^gantt$/,
    /^ {2}dateFormat x$/,
    /^ {2}axisFormat %H:%M:%S$/,
    /^ {2}todayMarker off$/,
    /^ {2}tickInterval \d+(millisecond|second|minute|hour)$/,
    new RegExp(`^  section ${text}$`, 'u'),
    new RegExp(`^  ${text} :((active|done|crit), )?\\d+, \\d+$`, 'u'),
  ];
  for (const block of blocks) {
    for (const line of block.split('\n')) {
      expect(
        statements.some((s) => s.test(line)),
        line,
      ).toBe(true);
      expect(line).not.toMatch(keyword);
      // Besides Orixoon's label quotes, line break and arrows: no quote, markup, mention, URL or directive.
      const inner = line.replace(/^ {2}c\d+\["|<br\/>|"\]$| --> /g, '');
      expect(inner, line).not.toMatch(/@|:\/\/|%%|["`<>]/);
    }
  }
}

describe('untrusted text is inert in rendered Markdown', () => {
  it('PR comment and check-run output', () => {
    const report = hostileReport();
    const { content, footer } = renderPrComment({
      report,
      sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      rejectedApprovals: [
        {
          by: 'mallory',
          url: 'https://github.example/acme/shop/pull/7#issuecomment-1',
          line: MULTILINE,
          reason: HOSTILE,
        },
      ],
    });
    // One link of ours: the rejected approval comment on GitHub.
    expectInert(`${content}\n\n${footer}`, 1);
    expectSafeMermaid(content, 2);
    expectInert(renderCheckRunOutput(report, undefined).summary);
    expectInert(
      renderPrComment({
        report: null,
        problems: [{ file: `.github/${HOSTILE}.yml`, line: 1, column: 2, key: HOSTILE, message: MULTILINE }],
      }).content,
    );
  });

  it('job summary, including the fenced failure report', () => {
    const summary = renderSummary(hostileReport());
    expectInert(summary);
    // Besides the two pictures (dependencies, heal timeline), whose statements are all Orixoon's own,
    // the failure report stays one code block: content with ``` lines does not close it.
    expectSafeMermaid(summary, 2);
    const pre = (html(summary).match(/<pre><code[^>]*>[\s\S]*?<\/code><\/pre>/g) ?? []).filter(
      (block) => !block.startsWith('<pre><code class="language-mermaid">'),
    );
    expect(pre).toHaveLength(1);
    expect(pre[0]).toContain('HEALING FAILED');
    expect(pre[0]).toContain('# pwned-heading');
    expect(pre[0]).toContain('Deployment: BLOCKED for safety');
  });

  it('ordinary text reads the same; helpers never let content close them', () => {
    expect(inert("Docker container 'redis' not running (start_container, 90% full)")).toBe(
      "Docker container 'redis' not running (start_container, 90% full)",
    );
    expect(inert('ping @team now')).toBe('ping `@team` now');
    expect(inert('# title')).toBe('\\# title');
    expect(codeSpan('a ``` b')).toBe('````a ``` b````');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a|b', { table: true })).toBe('`a\\|b`');
    expect(codeBlock('x\n````\ny')).toBe('`````text\nx\n````\ny\n`````');
    for (const s of ['`', '``x', 'y``', '` `', '````']) {
      expect(decodeEntities(html(codeSpan(s)).replace(/^<p><code>|<\/code><\/p>\n?$/g, ''))).toBe(s);
    }
  });
});
