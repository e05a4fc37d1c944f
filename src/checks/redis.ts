import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const redisCheck = defineCheckType({
  type: 'redis',
  options: z.strictObject({
    url: z.string().min(1).optional().describe('Default: targets.redis.url.'),
    container: z.string().min(1).optional(),
    memory_full_percent: z.number().positive().max(100).default(95),
    high_memory_percent: z.number().positive().max(100).default(80),
    expiring_within_seconds: z.number().positive().default(300),
  }),
  create() {
    throw new Error('the redis check is not implemented yet');
  },
});
