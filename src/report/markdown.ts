// Small Markdown helpers shared by the job summary and the PR comment.

/** Escapes a value for a Markdown table cell (pipes, newlines). */
export function cell(value: unknown): string {
  return String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

export function table(headers: string[], rows: unknown[][]): string {
  const head = `| ${headers.join(' | ')} |\n| ${headers.map(() => '---').join(' | ')} |\n`;
  return head + rows.map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n') + '\n';
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export const OUTCOME_ICON: Record<string, string> = {
  healed: '✅ healed',
  recovered: '✅ recovered',
  failed: '❌ failed',
  not_healable: '🚫 not healable',
  disabled: '⏸️ disabled',
  limit_reached: '⛔ limit reached',
  awaiting_approval: '⚠️ awaiting approval',
  dry_run: '🔍 dry run',
  guarded: '🛡️ guarded',
  blocked_by_dependency: '⛓️ blocked by dependency',
};

export const VERDICT_ICON: Record<string, string> = { passed: '✅', healed: '🩹', blocked: '🚫' };

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes (GitHub's limits are in bytes), on a line boundary,
 * with a pointer where it was cut.
 */
export function truncate(text: string, maxBytes: number, pointer: string): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(pointer) - 2;
  // The longest prefix that fits, by binary search (about 20 byte counts of the text at most).
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(text.slice(0, mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  const end = lo;
  const cut = text.lastIndexOf('\n', end);
  return `${text.slice(0, cut > 0 ? cut : end)}\n\n${pointer}`;
}
