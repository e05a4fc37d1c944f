// Renders the sample job summary and PR comment the way GitHub shows them, and screenshots them:
// the renderers' Markdown → HTML with a GitHub-flavoured Markdown renderer (micromark + GFM), alerts
// styled like GitHub's, Mermaid blocks drawn by Mermaid itself (inlined: no network), laid out in a
// page shaped like GitHub's (sidebar, comment box) at 1,000 px, then headless Chromium measures the
// page and takes a PNG. Fails when anything scrolls sideways or a diagram does not parse.
//
//   npm run render [-- --out DIR] [--html DIR]
//
// Needs Debian's `chromium` (apt-get install -y chromium fonts-noto-color-emoji). Writes DIR/summary.png
// and DIR/pr-comment.png (default docs/screenshots) and, with --html, the pages and Markdown too.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    html: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM ?? 'chromium' },
  },
});
const WIDTH = 1000;
const outDir = resolve(root, args.out);
const work = mkdtempSync(join(tmpdir(), 'orixoon-render-'));

function chromium(extra) {
  return execFileSync(
    args.chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      '--disable-extensions',
      '--run-all-compositor-stages-before-draw',
      '--virtual-time-budget=30000',
      `--user-data-dir=${join(work, 'profile')}`,
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
}

/** Loads the page in Chromium and reads what the page measured about itself (see MEASURE). */
function measure(file) {
  const dom = chromium(['--dump-dom', `--window-size=${WIDTH},1000`, pathToFileURL(file).href]);
  const found = /<pre id="measure"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
  if (!found || !found[1].trim()) throw new Error(`${file}: the page did not report its measurements`);
  const text = found[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return JSON.parse(text);
}

/** GFM → HTML as GitHub would, then GitHub's own additions: alerts and Mermaid blocks. */
function toHtml(markdown) {
  let html = micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
  html = html.replace(
    /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g,
    '<div class="mermaid-box"><pre class="mermaid">$1</pre></div>',
  );
  // `> [!KIND]` as the first line of a blockquote makes it an alert.
  const ALERT = /<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\](<\/p>|\n)/;
  for (let found = ALERT.exec(html); found; found = ALERT.exec(html)) {
    const kind = found[1].toLowerCase();
    const title = `<p class="markdown-alert-title">${ICONS[kind]}${kind[0].toUpperCase()}${kind.slice(1)}</p>`;
    const open = `<div class="markdown-alert markdown-alert-${kind}">${title}${found[2] === '\n' ? '<p>' : ''}`;
    const end = html.indexOf('</blockquote>', found.index);
    html =
      html.slice(0, found.index) +
      open +
      html.slice(found.index + found[0].length, end) +
      '</div>' +
      html.slice(end + '</blockquote>'.length);
  }
  return html;
}

const ICONS = {
  note: svg(
    'M0 8a8 8 0 1 1 16 0A8 8 0 0 1 0 8Zm8-6.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13ZM6.5 7.75A.75.75 0 0 1 7.25 7h1a.75.75 0 0 1 .75.75v2.75h.25a.75.75 0 0 1 0 1.5h-2a.75.75 0 0 1 0-1.5h.25v-2h-.25a.75.75 0 0 1-.75-.75ZM8 6a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z',
  ),
  tip: svg(
    'M8 1.5c-2.363 0-4 1.69-4 3.75 0 .984.424 1.625.984 2.304l.214.253c.223.264.47.556.673.848.284.411.537.896.621 1.49a.75.75 0 0 1-1.484.211c-.04-.282-.163-.547-.37-.847a8.456 8.456 0 0 0-.542-.68c-.084-.1-.173-.205-.268-.32C3.201 7.75 2.5 6.766 2.5 5.25 2.5 2.31 4.863 0 8 0s5.5 2.31 5.5 5.25c0 1.516-.701 2.5-1.328 3.259-.095.115-.184.22-.268.319-.207.245-.383.453-.541.681-.208.3-.33.565-.37.847a.751.751 0 0 1-1.485-.212c.084-.593.337-1.078.621-1.489.203-.292.45-.584.673-.848.075-.088.147-.173.213-.253.561-.679.985-1.32.985-2.304 0-2.06-1.637-3.75-4-3.75ZM5.75 12h4.5a.75.75 0 0 1 0 1.5h-4.5a.75.75 0 0 1 0-1.5ZM6 15.25a.75.75 0 0 1 .75-.75h2.5a.75.75 0 0 1 0 1.5h-2.5a.75.75 0 0 1-.75-.75Z',
  ),
  important: svg(
    'M0 1.75C0 .784.784 0 1.75 0h12.5C15.216 0 16 .784 16 1.75v9.5A1.75 1.75 0 0 1 14.25 13H8.06l-2.573 2.573A1.458 1.458 0 0 1 3 14.543V13H1.75A1.75 1.75 0 0 1 0 11.25Zm7 2.25v2.5a.75.75 0 0 0 1.5 0V4a.75.75 0 0 0-1.5 0Zm1 6a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z',
  ),
  warning: svg(
    'M6.457 1.047c.659-1.234 2.427-1.234 3.086 0l6.082 11.378A1.75 1.75 0 0 1 14.082 15H1.918a1.75 1.75 0 0 1-1.543-2.575Zm1.763.707a.25.25 0 0 0-.44 0L1.698 13.132a.25.25 0 0 0 .22.368h12.164a.25.25 0 0 0 .22-.368Zm.53 3.996v2.5a.75.75 0 0 1-1.5 0v-2.5a.75.75 0 0 1 1.5 0ZM9 11a1 1 0 1 1-2 0 1 1 0 0 1 2 0Z',
  ),
  caution: svg(
    'M4.47.22A.749.749 0 0 1 5 0h6c.199 0 .389.079.53.22l4.25 4.25c.141.14.22.331.22.53v6a.749.749 0 0 1-.22.53l-4.25 4.25A.749.749 0 0 1 11 16H5a.749.749 0 0 1-.53-.22L.22 11.53A.749.749 0 0 1 0 11V5c0-.199.079-.389.22-.53Zm.84 1.28L1.5 5.31v5.38l3.81 3.81h5.38l3.81-3.81V5.31L10.69 1.5ZM8 4a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 8 4Zm0 8a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z',
  ),
};

function svg(path) {
  return `<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="${path}"></path></svg>`;
}

// GitHub's Markdown look (github-markdown-css, light), reduced to what the reports use.
const CSS = `
*{box-sizing:border-box}
html,body{margin:0;background:#fff;color:#1f2328}
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,"Liberation Sans",sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";font-size:14px;line-height:1.5}
.markdown-body{font-size:14px;line-height:1.5;word-wrap:break-word;min-width:0}
.markdown-body>*:first-child{margin-top:0!important}
.markdown-body>*:last-child{margin-bottom:0!important}
.markdown-body p,.markdown-body blockquote,.markdown-body ul,.markdown-body ol,.markdown-body table,.markdown-body pre,.markdown-body details,.markdown-body .markdown-alert,.markdown-body .mermaid-box{margin-top:0;margin-bottom:16px}
.markdown-body h2,.markdown-body h3,.markdown-body h4{margin-top:24px;margin-bottom:16px;font-weight:600;line-height:1.25}
.markdown-body h2{font-size:1.5em;padding-bottom:.3em;border-bottom:1px solid #d1d9e0b3}
.markdown-body h3{font-size:1.25em}
.markdown-body h4{font-size:1em}
.markdown-body ul{padding-left:2em}
.markdown-body li+li{margin-top:.25em}
.markdown-body code{padding:.2em .4em;margin:0;font-size:85%;white-space:break-spaces;background:#818b981f;border-radius:6px;font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
.markdown-body pre{padding:16px;overflow:auto;font-size:85%;line-height:1.45;background:#f6f8fa;border-radius:6px;font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
.markdown-body pre code{padding:0;background:transparent;font-size:100%;white-space:pre;word-break:normal}
.markdown-body table{border-spacing:0;border-collapse:collapse;display:block;width:max-content;max-width:100%;overflow:auto}
.markdown-body table th{font-weight:600}
.markdown-body table th,.markdown-body table td{padding:6px 13px;border:1px solid #d1d9e0}
.markdown-body table tr{background:#fff;border-top:1px solid #d1d9e0b3}
.markdown-body table tr:nth-child(2n){background:#f6f8fa}
.markdown-body table td>:last-child{margin-bottom:0}
.markdown-body sub{font-size:75%;color:#59636e}
.markdown-body details summary{cursor:pointer;display:list-item}
.markdown-body a{color:#0969da;text-decoration:none}
.markdown-body blockquote{padding:0 1em;color:#59636e;border-left:.25em solid #d1d9e0}
.markdown-alert{padding:8px 16px;border-left:.25em solid #d1d9e0;color:inherit}
.markdown-alert>:last-child{margin-bottom:0}
.markdown-alert .markdown-alert-title{display:flex;align-items:center;font-weight:500;line-height:1;margin-bottom:8px}
.markdown-alert .markdown-alert-title svg{margin-right:8px;fill:currentColor}
.markdown-alert h3{margin-top:8px;margin-bottom:8px}
.markdown-alert p{margin-bottom:8px}
.markdown-alert-note{border-left-color:#0969da}.markdown-alert-note .markdown-alert-title{color:#0969da}
.markdown-alert-tip{border-left-color:#1a7f37}.markdown-alert-tip .markdown-alert-title{color:#1a7f37}
.markdown-alert-important{border-left-color:#8250df}.markdown-alert-important .markdown-alert-title{color:#8250df}
.markdown-alert-warning{border-left-color:#9a6700}.markdown-alert-warning .markdown-alert-title{color:#9a6700}
.markdown-alert-caution{border-left-color:#cf222e}.markdown-alert-caution .markdown-alert-title{color:#d1242f}
.mermaid-box{border:1px solid #d1d9e0;border-radius:6px;padding:8px;overflow:auto}
.mermaid-box pre.mermaid{margin:0;background:transparent;padding:0;font-family:inherit;text-align:center}
.mermaid-box svg{max-width:100%;height:auto}
/* the page around the Markdown */
.topbar{height:56px;background:#f6f8fa;border-bottom:1px solid #d1d9e0;display:flex;align-items:center;padding:0 16px;font-weight:600;color:#59636e}
.layout{display:flex;gap:24px;padding:24px 16px;max-width:${WIDTH}px}
.side{flex:0 0 auto;color:#59636e;font-size:12px}
.side .box{border:1px solid #d1d9e0;border-radius:6px;padding:12px;background:#f6f8fa;height:220px}
.main{flex:1 1 auto;min-width:0}
.card{border:1px solid #d1d9e0;border-radius:6px}
.card-head{padding:8px 16px;background:#f6f8fa;border-bottom:1px solid #d1d9e0;border-radius:6px 6px 0 0;font-weight:600}
.card-head span{font-weight:400;color:#59636e}
.card .markdown-body{padding:16px}
.timeline{display:flex;gap:16px}
.avatar{flex:0 0 40px;height:40px;border-radius:50%;background:#d1d9e0}
#measure{display:none}
`;

// The page measures itself once Mermaid has drawn: page width, anything that scrolls sideways
// inside the report, and each diagram's size and scale.
const MEASURE = `
(async () => {
  const errors = [];
  const boxes = [...document.querySelectorAll('pre.mermaid')];
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
    await mermaid.run({ nodes: boxes, suppressErrors: false });
  } catch (e) { errors.push(String(e && e.message || e)); }
  for (const b of boxes) if (/Syntax error|Parse error/i.test(b.textContent || '')) errors.push('syntax error in a diagram');
  const body = document.querySelector('.markdown-body');
  const overflow = [];
  for (const el of body.querySelectorAll('table, pre, .mermaid-box, .markdown-alert, details')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      overflow.push({ what: el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"', scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
    }
  }
  if (body.scrollWidth > body.clientWidth + 1) overflow.push({ what: 'the report', scrollWidth: body.scrollWidth, clientWidth: body.clientWidth });
  const svg = [...document.querySelectorAll('.mermaid-box svg')].map((s) => {
    const vb = s.viewBox && s.viewBox.baseVal;
    const r = s.getBoundingClientRect();
    return { kind: s.getAttribute('aria-roledescription') || 'diagram', width: Math.round(r.width), height: Math.round(r.height), scale: vb && vb.width ? Math.round((100 * r.width) / vb.width) : 100 };
  });
  const out = { pageWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, bodyWidth: body.clientWidth, overflow, errors, expected: boxes.length, diagrams: svg.length, svg };
  document.getElementById('measure').textContent = JSON.stringify(out);
})();
`;

function page(title, content, mermaidJs) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${CSS}</style></head>
<body>${content}<pre id="measure"></pre>
<script>${mermaidJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${MEASURE}</script>
</body></html>`;
}

/** A workflow run's summary page: the jobs sidebar on the left, the step summary in a card. */
function summaryFrame(html, mermaidJs) {
  return page(
    'Orixoon job summary',
    `<div class="topbar">acme/shop · Actions · deploy #1284</div>
<div class="layout"><div class="side" style="width:240px"><div class="box">Summary<br><br>Jobs<br>✗ pre-deploy<br>○ deploy</div></div>
<div class="main"><div class="card"><div class="card-head">pre-deploy summary</div>
<div class="markdown-body">${html}</div></div></div></div>`,
    mermaidJs,
  );
}

/** A pull request's conversation: avatar, the comment box, the sidebar on the right. */
function commentFrame(html, mermaidJs) {
  return page(
    'Orixoon PR comment',
    `<div class="topbar">acme/shop · Pull request #42 · Conversation</div>
<div class="layout"><div class="main"><div class="timeline"><div class="avatar"></div>
<div class="card" style="flex:1 1 auto;min-width:0"><div class="card-head">github-actions <span>bot commented</span></div>
<div class="markdown-body">${html}</div></div></div></div>
<div class="side" style="width:256px"><div class="box">Reviewers<br><br>Assignees<br><br>Labels</div></div></div>`,
    mermaidJs,
  );
}

async function main() {
  try {
    // The renderers and the sample report are TypeScript: bundle just them for Node.
    const lib = join(work, 'render-lib.mjs');
    await build({
      stdin: {
        contents: [
          "export { renderSummary } from './src/report/summary.ts';",
          "export { renderPrComment } from './src/report/pr-comment.ts';",
          "export * from './__tests__/helpers/sample-report.ts';",
        ].join('\n'),
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: lib,
      logLevel: 'warning',
    });
    const m = await import(pathToFileURL(lib).href);
    const report = m.sampleReport();
    const summary = m.renderSummary(report, [], { workspace: m.SAMPLE_WORKSPACE });
    const comment = m.renderPrComment({
      report,
      sha: m.SAMPLE_SHA,
      runUrl: m.SAMPLE_RUN_URL,
      workspace: m.SAMPLE_WORKSPACE,
    });
    const commentBody = `${comment.content}\n\n${comment.footer}`;

    const mermaidJs = readFileSync(join(root, 'node_modules/mermaid/dist/mermaid.min.js'), 'utf8');
    const pages = [
      { name: 'summary', markdown: summary, frame: summaryFrame },
      { name: 'pr-comment', markdown: commentBody, frame: commentFrame },
    ];
    mkdirSync(outDir, { recursive: true });
    const failures = [];
    for (const page of pages) {
      const html = page.frame(toHtml(page.markdown), mermaidJs);
      const file = join(work, `${page.name}.html`);
      writeFileSync(file, html);
      if (args.html) {
        const dir = resolve(root, args.html);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${page.name}.html`), html);
        writeFileSync(join(dir, `${page.name}.md`), page.markdown);
      }
      const measured = measure(file);
      const png = join(outDir, `${page.name}.png`);
      const height = Math.min(16_000, Math.max(600, measured.height + 8));
      chromium([`--screenshot=${png}`, `--window-size=${WIDTH},${height}`, pathToFileURL(file).href]);
      const problems = [
        ...(measured.pageWidth > WIDTH
          ? [`the page is ${measured.pageWidth} px wide (more than ${WIDTH})`]
          : []),
        ...measured.overflow.map(
          (o) => `${o.what} scrolls sideways: ${o.scrollWidth} px in ${o.clientWidth} px`,
        ),
        ...measured.errors.map((e) => `Mermaid: ${e}`),
        ...(measured.diagrams === measured.expected
          ? []
          : [`${measured.expected - measured.diagrams} diagram(s) not drawn`]),
      ];
      console.log(
        `${page.name}: ${png} (${WIDTH}×${height}); ${page.markdown.length} characters of Markdown; body ${measured.bodyWidth} px wide; ` +
          `${measured.diagrams} diagram(s): ${measured.svg.map((s) => `${s.kind} ${s.width}×${s.height} px (drawn at ${s.scale}%)`).join(', ') || 'none'}`,
      );
      for (const p of problems) console.error(`  ✗ ${page.name}: ${p}`);
      failures.push(...problems);
    }
    if (failures.length) {
      console.error(`render: ${failures.length} problem(s); see above.`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
