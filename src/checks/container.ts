import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const containerCheck = defineCheckType({
  type: 'container',
  options: z.strictObject({
    container: z.string().min(1).optional().describe('Container name (or id).'),
    label: z.string().regex(/^[^=]+=.*$/, 'use key=value').optional().describe('Select containers by label key=value.'),
    expect: z.enum(['running', 'healthy']).optional().describe('Default: healthy when the container has a healthcheck.'),
    start_period_seconds: z.number().nonnegative().default(60),
    crash_loop_restarts: z.number().int().positive().default(3),
    crash_loop_window_minutes: z.number().positive().default(5),
    memory_limit_percent: z.number().positive().max(100).default(90),
  }),
  create() {
    throw new Error('the container check is not implemented yet');
  },
});
