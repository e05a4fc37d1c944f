import type { Remedy } from '../../engine/types.js';

/** Remedies acting through the redis target (being implemented). */
export const redisRemedies: Remedy[] = [];
