import type { Remedy } from '../../core/types.js';
import { dockerRemedies } from './docker.js';
import { postgresRemedies } from './postgres.js';
import { redisRemedies } from './redis.js';
import { queueRemedies } from './queue.js';
import { commandRemedies } from './command.js';
import { swarmRemedies } from './swarm.js';

/** Every healing action by name. A remedy file exports its remedies; one line here registers them. */
export const REMEDIES: ReadonlyMap<string, Remedy> = new Map(
  [
    ...dockerRemedies,
    ...postgresRemedies,
    ...redisRemedies,
    ...queueRemedies,
    ...commandRemedies,
    ...swarmRemedies,
  ].map((r) => [r.action, r]),
);
