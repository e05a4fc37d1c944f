import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const hostCheck = defineCheckType({
  type: 'host',
  options: z.strictObject({
    path: z.string().default('/'),
    min_free_mb: z.number().nonnegative().default(1024),
    min_available_memory_mb: z.number().nonnegative().optional(),
  }),
  create() {
    throw new Error('the host check is not implemented yet');
  },
});
