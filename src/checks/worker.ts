import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const workerCheck = defineCheckType({
  type: 'worker',
  options: z.strictObject({
    container: z.string().min(1).optional(),
    heartbeat: z
      .strictObject({
        redis_key: z.string().optional(),
        redis_url: z.string().optional(),
        sql: z.string().optional(),
        postgres_url: z.string().optional(),
        max_age_seconds: z.number().positive().default(120),
      })
      .optional(),
    queue: z.string().optional().describe('Id of a queue check whose progress this worker drives.'),
    progress_window_minutes: z.number().positive().default(10),
  }),
  create() {
    throw new Error('the worker check is not implemented yet');
  },
});
