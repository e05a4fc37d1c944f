// The issue codes with their default action and risk. Risk drives the default of
// `requires_confirmation` (high = confirmation required).
import type { IssueCode, Risk } from '../core/types.js';

export interface IssueDefaults {
  /** Default remedy action, or null when the code is never healed automatically. */
  action: string | null;
  risk: Risk;
  /** Short title for tables. */
  title: string;
}

export const ISSUE_CATALOG: Record<IssueCode, IssueDefaults> = {
  container_not_running: { action: 'start_container', risk: 'low', title: 'Container not running' },
  container_unhealthy: { action: 'restart_container', risk: 'low', title: 'Container unhealthy' },
  container_stuck: { action: 'force_restart_container', risk: 'medium', title: 'Container stuck' },
  crash_loop: { action: 'recreate_container', risk: 'high', title: 'Crash loop' },
  memory_leak: { action: 'restart_application', risk: 'high', title: 'Memory leak' },
  db_unreachable: { action: 'restart_container', risk: 'medium', title: 'Database unreachable' },
  db_pool_exhausted: {
    action: 'terminate_idle_connections',
    risk: 'low',
    title: 'Connection pool exhausted',
  },
  db_table_locks: { action: 'cancel_blocking_queries', risk: 'medium', title: 'Table locks' },
  db_stuck_transactions: {
    action: 'terminate_idle_transactions',
    risk: 'medium',
    title: 'Stuck transactions',
  },
  redis_not_responding: { action: 'restart_container', risk: 'low', title: 'Redis not responding' },
  redis_memory_full: { action: 'flush_expiring_keys', risk: 'low', title: 'Redis memory full' },
  redis_high_memory: { action: 'clear_expired_keys', risk: 'low', title: 'Redis high memory' },
  endpoint_down: { action: 'restart_service', risk: 'medium', title: 'Endpoint down' },
  worker_down: { action: 'restart_worker', risk: 'low', title: 'Worker down' },
  scheduler_stopped: { action: 'restart_service', risk: 'low', title: 'Scheduler stopped' },
  worker_not_processing: { action: 'restart_worker', risk: 'low', title: 'Worker not processing' },
  queue_stuck: { action: 'requeue_failed_items', risk: 'low', title: 'Queue stuck' },
  queue_backlog: { action: 'move_to_dead_letter', risk: 'medium', title: 'Queue backlog' },
  queue_delay: { action: 'reset_processing_status', risk: 'medium', title: 'Queue delay' },
  high_error_rate: { action: 'restart_application', risk: 'high', title: 'High error rate' },
  log_pattern: { action: 'pattern_fix', risk: 'medium', title: 'Known error pattern' },
  disk_space_low: { action: null, risk: 'high', title: 'Disk space low' },
  memory_low: { action: null, risk: 'high', title: 'Memory low' },
  command_failed: { action: 'run_heal_command', risk: 'medium', title: 'Command failed' },
  service_replicas_missing: {
    action: 'force_update_service',
    risk: 'medium',
    title: 'Service replicas missing',
  },
  service_crash_loop: { action: 'rollback_service', risk: 'high', title: 'Service crash loop' },
  service_update_paused: { action: 'rollback_service', risk: 'high', title: 'Service update paused' },
  check_error: { action: null, risk: 'high', title: 'Check could not run' },
};
