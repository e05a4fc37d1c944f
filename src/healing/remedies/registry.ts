// Every healing action by name. A remedy file exports its remedies; one line here registers them
// (a plugin or a test registers its own with `registerRemedy`).
import type { Remedy } from '../../core/types.js';
import { dockerRemedies } from './docker.js';
import { postgresRemedies } from './postgres.js';
import { redisRemedies } from './redis.js';
import { queueRemedies } from './queue.js';
import { commandRemedies } from './command.js';
import { swarmRemedies } from './swarm.js';

const remedies = new Map<string, Remedy>();

export const REMEDIES: ReadonlyMap<string, Remedy> = remedies;

/** Adds a remedy; an action name means one thing, so a second remedy of the same name is refused. */
export function registerRemedy<R extends Remedy>(r: R): R {
  if (remedies.has(r.action)) throw new Error(`healing action "${r.action}" is already registered`);
  remedies.set(r.action, r);
  return r;
}

for (const r of [
  ...dockerRemedies,
  ...postgresRemedies,
  ...redisRemedies,
  ...queueRemedies,
  ...commandRemedies,
  ...swarmRemedies,
])
  registerRemedy(r);
