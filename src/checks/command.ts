import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const commandCheck = defineCheckType({
  type: 'command',
  options: z.strictObject({
    run: z.string().min(1),
    heal: z.string().min(1).optional(),
    timeout_seconds: z.number().positive().default(60),
    risk: z.enum(['low', 'medium', 'high']).default('medium'),
  }),
  create() {
    throw new Error('the command check is not implemented yet');
  },
});
