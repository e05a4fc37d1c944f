// The JSON Schema shipped for editors (orixoon.schema.json), generated from the zod schema the
// loader validates with, so the two never drift. `npm run build` rewrites the file.
import { z } from 'zod';
import { configSchema } from './schema.js';

export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://github.com/org/orixoon-action/blob/v2/orixoon.schema.json',
    title: 'Orixoon configuration',
    description: 'Pre-deployment checks and healing policy for Orixoon (.github/orixoon.yml).',
  };
}
