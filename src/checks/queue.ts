import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const queueCheck = defineCheckType({
  type: 'queue',
  options: z.strictObject({
    url: z.string().min(1).optional().describe('Default: targets.postgres.url.'),
    table: z.string().min(1),
    status_column: z.string().default('status'),
    updated_at_column: z.string().default('updated_at'),
    created_at_column: z.string().default('created_at'),
    attempts_column: z.string().default('attempts'),
    statuses: z
      .strictObject({
        pending: z.string().default('pending'),
        processing: z.string().default('processing'),
        failed: z.string().default('failed'),
        dead: z.string().default('dead'),
      })
      .prefault({}),
    stuck_after_minutes: z.number().nonnegative().default(30),
    max_stuck: z.number().int().nonnegative().default(10),
    max_pending: z.number().int().nonnegative().default(100),
    max_delay_minutes: z.number().nonnegative().default(60),
    max_attempts: z.number().int().positive().default(5),
    dead_letter_table: z.string().optional(),
    max_rows_per_action: z.number().int().positive().default(100),
  }),
  create() {
    throw new Error('the queue check is not implemented yet');
  },
});
