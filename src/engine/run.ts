// The engine entry point. Being written: the signature below is the contract.
import type { LoadedConfig } from '../config/load.js';
import type { DockerSettings } from '../targets/docker.js';
import type { LogSinks } from './logger.js';
import type { Redactor } from './redact.js';
import type { ApprovalRecord, FindingReport, RunReport } from '../report/model.js';
import type { Finding } from './types.js';

/** Healing lifecycle events, for notifications (Slack / webhook). */
export interface HealingEvent {
  kind: 'attempt' | 'success' | 'failure';
  finding: Finding;
  action: string;
  attempt: number;
  details: string;
  timestamp: string;
}

/** Looks up an approval for a finding that needs confirmation (PR comments); undefined = not approved. */
export type ApprovalLookup = (finding: FindingReport) => Promise<ApprovalRecord | undefined>;

export interface EngineOptions {
  loaded: LoadedConfig;
  /** The `auto-heal` input / `--auto-heal` flag. Default true. */
  autoHeal?: boolean;
  /** The `dry-run` input; OR-ed with auto_healing.dry_run. */
  dryRun?: boolean;
  /** Subset of phase names to run. */
  phases?: string[];
  /** The `approve` input: approval ids, check ids, `checkId:code`, or `all`. */
  approve?: string[];
  approvalLookup?: ApprovalLookup;
  onHealingEvent?: (event: HealingEvent) => void | Promise<void>;
  /** Whole-run deadline. Default 900 s. */
  timeoutSeconds?: number;
  docker?: Partial<DockerSettings>;
  postgresUrl?: string;
  redisUrl?: string;
  sinks?: LogSinks;
  redactor?: Redactor;
  /** Head commit: part of approval ids so an approval never carries over to another commit. */
  sha?: string;
  run?: RunReport['run'];
  env?: NodeJS.ProcessEnv;
}

export async function runEngine(_options: EngineOptions): Promise<RunReport> {
  throw new Error('not implemented yet');
}
