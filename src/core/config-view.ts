// What a check reads of the loaded configuration. The config schema is assembled from the check
// types, so a check cannot import the schema's inferred type without an import cycle; the loaded
// config fits this shape, and a check sees no more of it than this.

/** The parts of the loaded config a check's `create` may read. */
export interface CheckConfigView {
  /** `healing_actions.<issue_code>`: thresholds a check may take from there. */
  healing_actions: Partial<Record<string, Record<string, unknown>>>;
  auto_healing: { stabilization_timeout_seconds: number };
  protected: { tables: string[]; database_users: string[] };
  /** The configured phases, each check entry as parsed (`{id, type, depends_on, …options}`). */
  phases: Array<{ checks: Array<Record<string, unknown>> }>;
}
