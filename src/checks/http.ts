import { z } from 'zod';
import { defineCheckType } from './check-type.js';

export const httpCheck = defineCheckType({
  type: 'http',
  options: z.strictObject({
    url: z.string().url(),
    expect_status: z.union([z.number().int(), z.array(z.number().int()), z.string().regex(/^\d{3}(-\d{3})?$/)]).optional(),
    body_contains: z.string().optional(),
    json: z.record(z.string(), z.unknown()).optional(),
    max_latency_ms: z.number().positive().optional(),
    timeout_seconds: z.number().positive().default(5),
    container: z.string().min(1).optional(),
  }),
  create() {
    throw new Error('the http check is not implemented yet');
  },
});
