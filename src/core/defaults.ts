// Default thresholds of the built-in check types. The checks use them when neither the check nor
// `healing_actions.<code>` sets one; the remedies acting on their findings fall back to the same values.

export const REDIS_DEFAULTS = {
  memory_full_percent: 95,
  high_memory_percent: 80,
  expiring_within_seconds: 300,
} as const;

export const POSTGRES_DEFAULTS = {
  pool_threshold_percent: 90,
  idle_minutes: 5,
  lock_wait_seconds: 30,
  idle_transaction_minutes: 5,
} as const;
