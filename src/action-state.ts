// What the action's main step leaves for its post step (core.saveState → STATE_<name>).
export const STATE = {
  /** The check run the main step created. */
  checkRunId: 'check-run-id',
  /** `in_progress` until the main step completed it (`completed`). */
  checkRunStatus: 'check-run-status',
  /** The signal that cancelled the main step, if one did. */
  cancelledBy: 'cancelled-by',
} as const;
