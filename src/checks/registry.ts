import type { CheckType } from './check-type.js';
import { containerCheck } from './container.js';
import { postgresCheck } from './postgres.js';
import { redisCheck } from './redis.js';
import { httpCheck } from './http.js';
import { workerCheck } from './worker.js';
import { queueCheck } from './queue.js';
import { logsCheck } from './logs.js';
import { hostCheck } from './host.js';
import { commandCheck } from './command.js';
import { swarmServiceCheck } from './swarm-service.js';

export const CHECK_TYPES: readonly CheckType[] = [
  containerCheck,
  postgresCheck,
  redisCheck,
  httpCheck,
  workerCheck,
  queueCheck,
  logsCheck,
  hostCheck,
  commandCheck,
  swarmServiceCheck,
] as unknown as readonly CheckType[];

export function checkType(type: string): CheckType | undefined {
  return CHECK_TYPES.find((t) => t.type === type);
}
