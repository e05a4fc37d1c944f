// Raw action inputs → one typed, validated settings object.
import * as core from '@actions/core';
import { MAX_RUN_SECONDS } from './config/limits.js';
import { redisUrlProblem } from './config/redis-url.js';
import { CHECK_NAME, COMMENT_HEADER_RE } from './github/keys.js';
import type { CommentMode } from './github/comment.js';
import type { FailOn } from './report/build.js';

export type { CommentMode, FailOn };

export interface Settings {
  /** Path given by the user; `configIsDefault` when it is the default and may be absent. */
  config: string;
  configIsDefault: boolean;
  autoHeal: boolean;
  dryRun: boolean;
  phases: string[];
  approve: string[];
  githubToken?: string;
  comment: CommentMode;
  /** Keys the sticky comment (one per header on a PR); undefined = the one unkeyed comment. */
  commentHeader?: string;
  checkRun: boolean;
  checkName: string;
  failOn: FailOn;
  reportDir: string;
  timeoutSeconds: number;
  dockerHost?: string;
  postgresUrl?: string;
  redisUrl?: string;
  /** The `state-path` input: overrides state.path of the config. */
  statePath?: string;
}

export const DEFAULT_INPUTS = {
  config: '.github/orixoon.yml',
  'auto-heal': 'true',
  'dry-run': 'false',
  comment: 'on-change',
  'check-run': 'false',
  'check-name': CHECK_NAME,
  'fail-on': 'blocked',
  'report-dir': 'orixoon-reports',
  'timeout-seconds': '900',
} as const;

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function input(name: string): string {
  return core.getInput(name).trim();
}

function bool(name: keyof typeof DEFAULT_INPUTS): boolean {
  const v = (input(name) || DEFAULT_INPUTS[name]).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  throw new InputError(`Input ${name} must be true or false, got "${v}"`);
}

function oneOf<T extends string>(name: keyof typeof DEFAULT_INPUTS, allowed: readonly T[]): T {
  const v = (input(name) || DEFAULT_INPUTS[name]).toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new InputError(`Input ${name} must be one of ${allowed.join(', ')}, got "${v}"`);
}

/** Comma- or newline-separated list. */
export function list(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function commentHeader(): string | undefined {
  const v = input('comment-header');
  if (!v) return undefined;
  if (!COMMENT_HEADER_RE.test(v)) {
    throw new InputError(
      `Input comment-header must be 1-64 letters, digits, spaces or . _ / : - (starting with a letter or digit), got "${v}"`,
    );
  }
  return v;
}

function checkName(): string {
  const v = input('check-name') || DEFAULT_INPUTS['check-name'];
  // GitHub shows the name in the checks list and branch protection matches it exactly: one plain line.
  if (v.length > 100 || [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) {
    throw new InputError(
      `Input check-name must be one line of at most 100 characters, got "${v.slice(0, 120)}"`,
    );
  }
  return v;
}

export function getInputs(): Settings {
  const config = input('config');
  const timeout = Number(input('timeout-seconds') || DEFAULT_INPUTS['timeout-seconds']);
  // A deadline past the maximum would overflow the run's timer, which then fires at once.
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_RUN_SECONDS) {
    throw new InputError(
      `Input timeout-seconds must be a number of seconds above 0 and at most ${MAX_RUN_SECONDS} (24 h), got "${input('timeout-seconds')}"`,
    );
  }
  const secret = (name: string): string | undefined => {
    const v = input(name);
    if (v) core.setSecret(v);
    return v || undefined;
  };
  const redisUrl = secret('redis-url');
  const redisProblem = redisUrl && redisUrlProblem(redisUrl);
  if (redisProblem) throw new InputError(`Input redis-url: ${redisProblem}`);
  return {
    config: config || DEFAULT_INPUTS.config,
    configIsDefault: !config || config === DEFAULT_INPUTS.config,
    autoHeal: bool('auto-heal'),
    dryRun: bool('dry-run'),
    phases: list(input('phases')),
    approve: list(input('approve')),
    githubToken: secret('github-token'),
    comment: oneOf('comment', ['always', 'on-failure', 'on-change', 'never'] as const),
    commentHeader: commentHeader(),
    checkRun: bool('check-run'),
    checkName: checkName(),
    failOn: oneOf('fail-on', ['blocked', 'warning', 'never'] as const),
    reportDir: input('report-dir') || DEFAULT_INPUTS['report-dir'],
    timeoutSeconds: timeout,
    dockerHost: input('docker-host') || undefined,
    postgresUrl: secret('postgres-url'),
    redisUrl,
    statePath: input('state-path') || undefined,
  };
}
