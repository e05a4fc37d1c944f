// The failure report of a finding healing could not fix: what was tried, the last error, and what a
// person should look at first.
import type { Finding } from '../core/types.js';
import type { FindingReport } from '../report/model.js';

const FAILURE_ADVICE: Partial<Record<Finding['code'], string>> = {
  container_not_running: 'Check the container logs (docker logs <name>) for why it exits',
  container_unhealthy: 'Check the healthcheck command and the application logs for the crash cause',
  container_stuck: 'Inspect the container (docker inspect) and the host for hung I/O',
  crash_loop: 'Check application logs for crash cause; fix the image or its config before deploying',
  memory_leak: 'Profile the application memory or raise its memory limit',
  db_unreachable: 'Check the database server logs, its disk and max_connections',
  redis_not_responding: 'Check the Redis server logs and its memory/persistence settings',
  endpoint_down: 'Check the service logs and its dependencies',
};

export function failureReport(
  f: Pick<Finding, 'code'>,
  action: string,
  attempts: number,
  lastError: string,
): NonNullable<FindingReport['failure']> {
  return {
    attempted: `${action} (${attempts} time${attempts === 1 ? '' : 's'})`,
    attempts,
    lastError: lastError || 'unknown error',
    recommendation: FAILURE_ADVICE[f.code] ?? 'Investigate manually before deploying',
  };
}
