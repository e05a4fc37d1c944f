// `orixoon history [--check ID] [--since 7d] [--json] [--state F | --state-url U] [--config F]`:
// per-target counts, success rate, mean time to heal and the last actions, from the state store.
// Reads only: a state file that does not exist is reported as no history, never created.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from './io.js';
import { formatMilliseconds } from '../support/format.js';
import { Redactor } from '../support/redact.js';
import type { StateConfig } from '../state/config.js';
import { openStateStore } from '../state/index.js';
import { DEFAULT_STATE_PATH, type StoredEvent, type TargetSummary } from '../state/types.js';

export const HISTORY_HELP = `orixoon history [--check ID] [--since 7d] [--json] [--state F | --state-url U] [--config F]

Per-target heal history from the state store: findings, heals, success rate, mean time to heal, last actions.

  --check ID       only this check's targets
  --since D        how far back: 30m, 12h, 7d, 2w or a date (default 7d)
  --json           print the history as JSON
  --state F        the SQLite state file (default: state.path of the config, else ${DEFAULT_STATE_PATH})
  --state-url U    a PostgreSQL state store (default: state.url of the config)
  --config F       the config to take state.path / state.url from (default .github/orixoon.yml when present)
  --last N         last actions shown per target (default 3)
  -h, --help       this help`;

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 7 * 86_400e3 };

/** `7d`, `12h`, `30m`, `2w`, `90s`, or a date; epoch ms, or an error message. */
export function parseSince(raw: string, now: number): number | string {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(raw.trim());
  if (m) return now - Number(m[1]) * UNITS[m[2]!]!;
  const t = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(t)) return t;
  return `--since must be a duration like 30m, 12h, 7d, 2w or a date like 2026-01-31, got "${raw}"`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const when = (ms: number): string =>
  iso(ms)
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');
const pct = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 100)}%`);

function actionLine(a: StoredEvent): string {
  const tail = a.outcome === 'healed' ? '' : a.error ? `: ${a.error}` : '';
  return `${when(a.at)}  ${a.action} → ${a.outcome} (${a.attempts}×, ${formatMilliseconds(a.durationMs)})${tail}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderHistory(targets: TargetSummary[], since: number, where: string): string[] {
  const lines = [`Heal history since ${when(since)} (${where})`, ''];
  if (!targets.length) return [...lines, 'No findings recorded in that time.'];
  lines.push(
    ...table([
      ['TARGET', 'CHECK', 'FINDINGS', 'HEALS', 'SUCCESS', 'MEAN TIME TO HEAL', 'LAST SEEN'],
      ...targets.map((t) => [
        t.host ? `${t.target} @ ${t.host}` : t.target,
        t.checkId,
        String(t.findings),
        String(t.actions),
        pct(t.successRate),
        t.meanTimeToHealMs === null ? '—' : formatMilliseconds(t.meanTimeToHealMs),
        when(t.lastAt),
      ]),
    ]),
  );
  const withActions = targets.filter((t) => t.lastActions.length);
  if (withActions.length) lines.push('', 'Last actions:');
  for (const t of withActions) {
    lines.push(`  ${t.checkId} / ${t.target}${t.host ? ` @ ${t.host}` : ''}`);
    for (const a of t.lastActions) lines.push(`    ${actionLine(a)}`);
  }
  return lines;
}

export function historyJson(
  targets: TargetSummary[],
  since: number,
  store: { kind: string; location: string },
) {
  return {
    since: iso(since),
    store,
    targets: targets.map((t) => ({
      ...t,
      lastAt: iso(t.lastAt),
      lastActions: t.lastActions.map(({ run, ...a }) => ({ ...a, run, at: iso(a.at) })),
    })),
  };
}

/** Runs `orixoon history`; its exit code (0 shown, 1 store unusable, 2 usage or config error). */
export async function historyCommand(argv: string[], io: CliIO, now = Date.now()): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        check: { type: 'string' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        state: { type: 'string' },
        'state-url': { type: 'string' },
        config: { type: 'string' },
        last: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    io.err(`orixoon: ${(e as Error).message}`);
    io.err('Run `orixoon history --help` for its options.');
    return 2;
  }
  if (values.help) {
    io.out(HISTORY_HELP);
    return 0;
  }
  const since = parseSince(values.since ?? '7d', now);
  const last = values.last === undefined ? 3 : Number(values.last);
  const usage =
    typeof since === 'string'
      ? since
      : !Number.isInteger(last) || last < 0 || last > 1000
        ? `--last must be a whole number from 0 to 1000, got "${values.last}"`
        : values.state && values['state-url']
          ? '--state and --state-url are two different stores: give one'
          : null;
  if (usage) {
    io.err(`orixoon: ${usage}`);
    return 2;
  }
  let state: Partial<StateConfig> = {};
  if (!values.state && !values['state-url']) {
    // The config loader (and its schema) only when the store is not given on the command line.
    const { ConfigError, formatProblem, resolveConfig } = await import('../config/load.js');
    try {
      const loaded = resolveConfig(values.config, io.env, io.cwd);
      state = (loaded.config as { state?: Partial<StateConfig> }).state ?? {};
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) io.err(`error: ${formatProblem(p)}`);
      return 2;
    }
  }
  const config: Partial<StateConfig> = values['state-url']
    ? { url: values['state-url'] }
    : values.state
      ? { path: values.state }
      : state;
  const redactor = new Redactor();
  if (!config.url) {
    const raw = config.path ?? DEFAULT_STATE_PATH;
    const path = isAbsolute(raw) ? raw : resolve(io.cwd, raw);
    if (!existsSync(path)) {
      if (values.json)
        io.out(JSON.stringify(historyJson([], since as number, { kind: 'sqlite', location: path }), null, 2));
      else io.out(`No history yet: ${path} does not exist (a run with the state store writes it).`);
      return 0;
    }
  }
  const opened = await openStateStore({ config: { ...config, required: true }, cwd: io.cwd, redactor });
  for (const w of opened.warnings)
    io.err(redactor.redact(w.replace(/ state\.required is true: the run is blocked\./, '')));
  if (!opened.store) return 1;
  try {
    const targets = await opened.store.summary({
      checkId: values.check,
      since: since as number,
      lastActions: last,
    });
    const where = `${opened.store.kind === 'sqlite' ? 'state file' : 'PostgreSQL store'} ${opened.store.location}`;
    if (values.json) {
      io.out(
        JSON.stringify(
          historyJson(targets, since as number, { kind: opened.store.kind, location: opened.store.location }),
          null,
          2,
        ),
      );
    } else {
      for (const line of renderHistory(targets, since as number, where)) io.out(line);
    }
    return 0;
  } finally {
    await opened.store.close();
  }
}
