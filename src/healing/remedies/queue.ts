import type { Remedy } from '../../engine/types.js';

/** Remedies acting through the queue target (being implemented). */
export const queueRemedies: Remedy[] = [];
