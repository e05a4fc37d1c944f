import type { Remedy } from '../../engine/types.js';

/** Remedies acting through the docker target (being implemented). */
export const dockerRemedies: Remedy[] = [];
