// The JSON Schema shipped for editors and SchemaStore (orixoon.schema.json), generated from the zod
// schema the loader validates with, so the two never drift. `npm run schema` rewrites the file.
// Draft-07: the lowest draft that expresses it, and the one editors and SchemaStore read everywhere.
import * as z from 'zod';
import { currentConfigSchema } from './schema.js';

export const SCHEMA_ID = 'https://raw.githubusercontent.com/org/orixoon-action/v2/orixoon.schema.json';

/**
 * Descriptions of check options that their check type declares without one, by option name (a name
 * means the same in every check type that has it). Generation fails when a property has none.
 */
export const CHECK_OPTION_DESCRIPTIONS: Readonly<Record<string, string>> = {
  url: 'Connection string or URL of what is checked.',
  body_contains: 'Text the response body must contain.',
  max_latency_ms: 'A slower response is a failure.',
  timeout_seconds: 'How long to wait for an answer.',
  container: 'Container name (or id).',
  heartbeat: 'Where the worker records that it is alive: a Redis key or an SQL query giving a time.',
  max_age_seconds: 'A heartbeat older than this means the worker is down.',
  progress_window_minutes: 'The queue must make progress within this window while it has work.',
  table: 'Table holding the jobs.',
  status_column: "Column with the job's status.",
  updated_at_column: 'Column with the time of the last status change.',
  created_at_column: 'Column with the time the job was created.',
  attempts_column: 'Column counting the attempts made.',
  statuses: 'The status values the queue table uses.',
  pending: 'Status of a job waiting to run.',
  processing: 'Status of a job being run.',
  failed: 'Status of a job that failed and may be retried.',
  dead: 'Status of a job that will not be retried.',
  stuck_after_minutes: 'A job processing for longer than this is stuck.',
  max_stuck: 'More stuck jobs than this is a failure.',
  max_pending: 'More pending jobs than this is a backlog.',
  max_delay_minutes: 'A pending job older than this is delayed.',
  max_attempts: 'Jobs with this many attempts are not retried again.',
  max_rows_per_action: 'At most this many rows are changed by one healing action.',
  window_minutes: 'How far back the logs are read.',
  min_free_mb: 'Less free disk space than this is a failure.',
  min_available_memory_mb: 'Less available memory than this is a failure.',
  risk: 'Risk of the heal command; high-risk actions need confirmation.',
};

type JsonNode = Record<string, unknown>;

/** Gives every property a description: its own from zod, else the check-option table. */
function describeProperties(node: unknown, missing: string[], path: string): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) describeProperties(n, missing, path);
    return;
  }
  const n = node as JsonNode;
  const props = n.properties as Record<string, JsonNode> | undefined;
  for (const [key, prop] of Object.entries(props ?? {})) {
    if (typeof prop.description !== 'string') {
      const d = CHECK_OPTION_DESCRIPTIONS[key];
      if (d) prop.description = d;
      else missing.push(`${path}.${key}`);
    }
    describeProperties(prop, missing, `${path}.${key}`);
  }
  for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'additionalProperties', 'definitions'])
    describeProperties(n[key], missing, path);
}

export function buildJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(currentConfigSchema(), {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-7',
  }) as JsonNode;
  const missing: string[] = [];
  describeProperties(schema, missing, '');
  if (missing.length) throw new Error(`config properties without a description: ${missing.join(', ')}`);
  return {
    ...schema,
    $id: SCHEMA_ID,
    title: 'Orixoon configuration',
    description: 'Pre-deployment checks and healing policy for Orixoon (.github/orixoon.yml).',
  };
}
