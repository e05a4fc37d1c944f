// A container check's options: its thresholds, each from the check, else `healing_actions.<code>`,
// else the default.
import type { CheckConfigView } from '../core/config-view.js';
import type { IssueCode } from '../core/types.js';
import { thresholdFromConfig } from '../config/thresholds.js';

export const CONTAINER_DEFAULTS = {
  start_period_seconds: 60,
  crash_loop_restarts: 3,
  crash_loop_window_minutes: 5,
  memory_limit_percent: 90,
} as const;

/** Which `healing_actions.<code>` entry may hold each threshold (the documented way); a check's own option wins. */
const THRESHOLD_SOURCES: Record<keyof typeof CONTAINER_DEFAULTS, IssueCode> = {
  start_period_seconds: 'container_stuck',
  crash_loop_restarts: 'crash_loop',
  crash_loop_window_minutes: 'crash_loop',
  memory_limit_percent: 'memory_leak',
};

export interface ContainerCheckOptions {
  container?: string;
  label?: string;
  /** The engine of targets.docker.hosts it is on (default: the default host). */
  docker_host?: string;
  expect?: 'running' | 'healthy';
  start_period_seconds: number;
  crash_loop_restarts: number;
  crash_loop_window_minutes: number;
  memory_limit_percent: number;
}

export function resolveContainerOptions(
  own: Partial<ContainerCheckOptions>,
  config: CheckConfigView | undefined,
): ContainerCheckOptions {
  const pick = (key: keyof typeof CONTAINER_DEFAULTS): number =>
    own[key] ?? thresholdFromConfig(config, THRESHOLD_SOURCES[key], key) ?? CONTAINER_DEFAULTS[key];
  return {
    container: own.container,
    label: own.label,
    ...(own.docker_host !== undefined ? { docker_host: own.docker_host } : {}),
    expect: own.expect,
    start_period_seconds: pick('start_period_seconds'),
    crash_loop_restarts: pick('crash_loop_restarts'),
    crash_loop_window_minutes: pick('crash_loop_window_minutes'),
    memory_limit_percent: pick('memory_limit_percent'),
  };
}
