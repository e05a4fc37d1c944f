// The bounds every user-supplied number and the config file itself must respect. A number that feeds
// a timer must stay far below setTimeout's 2^31-1 ms (about 24.8 days) — past it the timer fires at
// once — so durations are capped here, at the source, rather than clamped where they are used.

/** Largest config file accepted. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Deepest nesting of mappings and lists in a config (a real one needs fewer than 10). */
export const MAX_CONFIG_DEPTH = 64;
/** Values an anchor's aliases may copy in total (a billion-laughs file stops here). */
export const MAX_ALIAS_EXPANSION = 10_000;
/** Problems reported for one file; the rest are counted. */
export const MAX_PROBLEMS = 50;
export const MAX_PHASES = 100;
/** Checks across all phases. */
export const MAX_CHECKS = 1000;

/** Durations that are waited on (timeouts, delays, windows): 24 h. */
export const MAX_SECONDS = 86_400;
export const MAX_MINUTES = 1_440;
export const MAX_MILLISECONDS = 86_400_000;
/** Ages compared with stored timestamps or TTLs and never waited on: 31 days (a monthly job). */
export const MAX_AGE_SECONDS = 2_678_400;
export const MAX_AGE_MINUTES = 44_640;
/** The run's deadline (`timeout-seconds`, `--timeout`) and the monitor's `--interval`. */
export const MAX_RUN_SECONDS = MAX_SECONDS;

/** Attempts and retries of one healing action. */
export const MAX_ATTEMPTS = 100;
/** Session limits on actions. */
export const MAX_SESSION_ACTIONS = 1_000;
/** Services that may fail at once before the systemic guard holds. */
export const MAX_SERVICES = 10_000;
/** Row, line and event counts compared against (fits a PostgreSQL integer). */
export const MAX_COUNT = 1_000_000_000;
/** Rows one queue action may change in one transaction. */
export const MAX_ROWS_PER_ACTION = 100_000;
/** Disk and memory sizes in MB (1 PB: "more than any disk" is a valid way to force the low-disk guard). */
export const MAX_MEGABYTES = 1_000_000_000;
/** Redis database indexes accepted in a URL. */
export const MAX_REDIS_DB = 65_535;
