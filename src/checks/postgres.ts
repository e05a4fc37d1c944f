import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const postgresCheck = defineCheckType({
  type: 'postgres',
  options: z.strictObject({
    url: z.string().min(1).optional().describe('Default: targets.postgres.url.'),
    container: z.string().min(1).optional().describe('Database container, restarted when unreachable.'),
    pool_threshold_percent: z.number().positive().max(100).default(90),
    idle_minutes: z.number().nonnegative().default(5),
    lock_wait_seconds: z.number().nonnegative().default(30),
    idle_transaction_minutes: z.number().nonnegative().default(5),
  }),
  create() {
    throw new Error('the postgres check is not implemented yet');
  },
});
