// Opening the state store a run was configured with. Never throws for a store that cannot be reached:
// the run goes on with a warning for its report (session limits still hold), unless the store is
// required, and then the result says to block.
import { isAbsolute, resolve } from 'node:path';
import { Redactor } from '../support/redact.js';
import type { StateConfig } from './config.js';
import { openPostgresStore, safeLocation } from './postgres.js';
import { movedAsideMessage, openSqliteStore } from './sqlite.js';
import { DEFAULT_STATE_PATH, type StateStore } from './types.js';

export type { StateStore } from './types.js';
export { recordReport } from './record.js';

export interface OpenStateOptions {
  /** `state` from the config (`--state` / a `state-path` input give `path`). */
  config?: Partial<StateConfig>;
  /** Relative paths are resolved from here. */
  cwd: string;
  redactor?: Redactor;
  now?: Date;
}

export interface StateOpened {
  /** Null when the store could not be opened. */
  store: StateStore | null;
  /** For the report: a store that could not be reached, a file moved aside. */
  warnings: string[];
  /** The store is required (`state.required`) and could not be opened: the run must block. */
  blocking: boolean;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function urlPassword(url: string): string | null {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}

export async function openStateStore(opts: OpenStateOptions): Promise<StateOpened> {
  const redactor = opts.redactor ?? new Redactor();
  const cfg = opts.config ?? {};
  const required = cfg.required ?? false;
  if (cfg.url) redactor.add(urlPassword(cfg.url));
  const where = cfg.url
    ? `PostgreSQL state store ${safeLocation(cfg.url)}`
    : `state file ${cfg.path ?? DEFAULT_STATE_PATH}`;
  try {
    if (cfg.url) return { store: await openPostgresStore(cfg.url, redactor), warnings: [], blocking: false };
    const raw = cfg.path ?? DEFAULT_STATE_PATH;
    const path = isAbsolute(raw) ? raw : resolve(opts.cwd, raw);
    const { store, movedAside } = openSqliteStore(path, redactor, opts.now);
    const warnings = movedAside ? [movedAsideMessage(path, movedAside)] : [];
    return { store, warnings, blocking: false };
  } catch (e) {
    const what = redactor.redact(`The ${where} cannot be used: ${reason(e)}.`);
    return required
      ? { store: null, warnings: [`${what} state.required is true: the run is blocked.`], blocking: true }
      : {
          store: null,
          warnings: [
            `${what} Heal history, budgets and backoff across runs are off for this run; session limits still hold.`,
          ],
          blocking: false,
        };
  }
}
