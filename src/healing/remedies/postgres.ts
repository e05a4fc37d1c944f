import type { Remedy } from '../../engine/types.js';

/** Remedies acting through the postgres target (being implemented). */
export const postgresRemedies: Remedy[] = [];
