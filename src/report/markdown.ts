// Small Markdown helpers shared by the job summary and the PR comment. Text that comes from outside
// Orixoon (command output, log lines, messages with container or user names, errors) is rendered
// inert: GitHub must not turn it into a mention that pings, a link, an image, raw HTML, a heading, or
// a closing of our own code spans and fences.

/**
 * Words GitHub would turn into a link or a notification: URLs (any scheme, and `www.`), anything
 * with an `@` (mentions, team mentions, e-mail addresses), and issue references. They are shown
 * inside code spans, where GitHub neither links nor mentions. Words are split on whitespace and on
 * the characters a code span in a table cannot hold as is.
 */
const WORD_SEPARATOR = /([\s|<>`]+)/;
const LINKY = /:\/\/|^www\.|@|#\d|^GH-\d/i;
/** Characters that start Markdown inline syntax (emphasis, code, links, images, strikethrough, math, tables). */
const INLINE_SYNTAX = /[\\`*[\]~|$]/g;
/** An underscore that could open or close emphasis (one between two letters or digits cannot). */
const LOOSE_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
/** Block syntax at the start of a line (headings, lists, setext underlines, ordered lists). */
const LINE_START = /^(\s*)([#=+-]|\d+[.)])/;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Inline code that no content can close: the fence is one backtick longer than the longest run of
 * backticks inside. In a table cell a pipe is escaped (GFM splits cells on it even inside code).
 */
export function codeSpan(value: string, opts: { table?: boolean } = {}): string {
  let clean = value.replace(/\r\n|\r|\n/g, ' ');
  if (!clean) return '` `';
  if (opts.table) clean = clean.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // A leading or trailing backtick would join the fence; a space pads it (and is stripped on render).
  const pad = /^[` ]|[` ]$/.test(clean) ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * One line of outside text, safe anywhere in Markdown (a table cell, a list item, a quote): newlines
 * become spaces, URLs, mentions and issue references go into code spans, HTML is escaped, and Markdown
 * syntax characters are backslash-escaped. Ordinary text reads the same as before.
 */
export function inert(value: unknown): string {
  const text = String(value ?? '').replace(/\r\n|\r|\n/g, ' ');
  const plain = (s: string): string =>
    escapeHtml(s.replace(INLINE_SYNTAX, '\\$&').replace(LOOSE_UNDERSCORE, '\\_'));
  const out = text
    .split(WORD_SEPARATOR)
    .map((part, i) => (i % 2 === 0 && LINKY.test(part) ? codeSpan(part) : plain(part)))
    .join('');
  return out.replace(LINE_START, '$1\\$2');
}

/** Fenced code block that no line of its content can close (and nothing inside it renders). */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text.replace(/\r\n|\r/g, '\n')}\n${fence}`;
}

/** A table cell from outside text: inert, one line, bounded length (cut before escaping). */
export function cell(value: unknown, limit = 1000): string {
  let s = String(value ?? '')
    .replace(/\r\n|\r|\n/g, ' ')
    .trim();
  if (s.length > limit) s = `${s.slice(0, limit - 1)}…`;
  return inert(s);
}

/** A table whose cells are already Markdown (built with `cell`, `codeSpan` or our own text). */
export function table(headers: string[], rows: string[][]): string {
  const head = `| ${headers.join(' | ')} |\n| ${headers.map(() => '---').join(' | ')} |\n`;
  return head + rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
}

/** What closes the code fence and `<details>` blocks still open at the end of `text`. */
function closers(text: string): string {
  let fence: string | undefined;
  let details = 0;
  for (const line of text.split('\n')) {
    if (fence) {
      if (line.startsWith(fence) && /^`+\s*$/.test(line)) fence = undefined;
      continue;
    }
    const open = /^(`{3,})/.exec(line);
    if (open) fence = open[1];
    else if (line.startsWith('<details>')) details++;
    else if (line.startsWith('</details>')) details = Math.max(0, details - 1);
  }
  return (fence ? `\n${fence}` : '') + '\n</details>'.repeat(details);
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes (GitHub's limits are in bytes), on a line boundary,
 * closes a code block or `<details>` it cut through, and adds a pointer where it was cut.
 */
export function truncate(text: string, maxBytes: number, pointer: string): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let reserve = 0;
  for (;;) {
    const room = maxBytes - Buffer.byteLength(pointer) - 2 - reserve;
    // The longest prefix that fits, by binary search (about 20 byte counts of the text at most).
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (Buffer.byteLength(text.slice(0, mid)) <= room) lo = mid;
      else hi = mid - 1;
    }
    const cut = text.lastIndexOf('\n', lo);
    const kept = text.slice(0, cut > 0 ? cut : lo);
    const close = closers(kept);
    const out = `${kept}${close}\n\n${pointer}`;
    if (Buffer.byteLength(out) <= maxBytes || reserve >= maxBytes) return out;
    reserve = Buffer.byteLength(close);
  }
}
