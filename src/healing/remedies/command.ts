import type { Remedy } from '../../engine/types.js';

/** Remedies acting through the command target (being implemented). */
export const commandRemedies: Remedy[] = [];
