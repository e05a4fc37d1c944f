import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const logsCheck = defineCheckType({
  type: 'logs',
  options: z.strictObject({
    container: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    window_minutes: z.number().positive().default(5),
    error_pattern: z.string().optional(),
    error_threshold: z.number().int().nonnegative().optional(),
    patterns_file: z.string().optional(),
  }),
  create() {
    throw new Error('the logs check is not implemented yet');
  },
});
