// Being written: the signatures below are the contract.
import type { OrixoonConfig } from './schema.js';

export interface LoadedConfig {
  config: OrixoonConfig;
  /** null in discovered-defaults mode. */
  path: string | null;
  discovered: boolean;
  baseDir: string;
}

export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `phases[0].checks[1].max_stuck`. */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line ?? 0}:${p.column ?? 0} ${p.key}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses and validates config text (YAML or JSON); `${VAR}` expands from env. Throws ConfigError. */
export function parseConfig(_text: string, _file: string, _env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  throw new Error('not implemented yet');
}

/** Reads and parses a config file. Throws ConfigError (also for a missing file). */
export function loadConfigFile(_path: string, _env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  throw new Error('not implemented yet');
}
