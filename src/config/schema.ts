// The one source of truth for the configuration file: the loader validates with it and the JSON
// Schema shipped for editors is generated from it. Section and key names follow PRODUCT §4 and the
// seeds' healing_config.json (auto_healing, healing_actions, safety_limits, notifications).
// Every number has a maximum (src/config/limits.ts): durations that are waited on stay within 24 h,
// far from where a timer overflows.
import { z } from 'zod';
import { CHECK_TYPES } from '../checks/registry.js';
import { ISSUE_CODES } from '../engine/types.js';
import {
  MAX_ATTEMPTS,
  MAX_MEGABYTES,
  MAX_PHASES,
  MAX_SECONDS,
  MAX_SERVICES,
  MAX_SESSION_ACTIONS,
} from './limits.js';

/** A duration in seconds that is waited on: at most 24 h. */
const AT_MOST_A_DAY = `At most ${MAX_SECONDS} (24 h).`;
const seconds = z.number().nonnegative().max(MAX_SECONDS);
const timeoutSeconds = z.number().positive().max(MAX_SECONDS);
const attempts = z.number().int().max(MAX_ATTEMPTS);
const sessionActions = z.number().int().nonnegative().max(MAX_SESSION_ACTIONS);

export const autoHealingSchema = z
  .object({
    enabled: z.boolean().default(true),
    dry_run: z.boolean().default(false),
    max_healing_attempts: attempts.positive().default(3).describe(`At most ${MAX_ATTEMPTS}.`),
    retry_delay_seconds: seconds.default(10).describe(AT_MOST_A_DAY),
    stabilization_timeout_seconds: timeoutSeconds.default(10).describe(AT_MOST_A_DAY),
  })
  .strict();

export const safetyLimitsSchema = z
  .object({
    max_container_restarts_per_session: sessionActions.default(5).describe(`At most ${MAX_SESSION_ACTIONS}.`),
    max_database_operations_per_session: sessionActions
      .default(3)
      .describe(`At most ${MAX_SESSION_ACTIONS}.`),
    cooldown_seconds: seconds.default(60).describe(AT_MOST_A_DAY),
    prevent_cascade_restarts: z.boolean().default(true),
    max_failing_services: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_SERVICES)
      .default(3)
      .describe(`0 turns the systemic-failure guard off. At most ${MAX_SERVICES}.`),
    min_free_disk_mb: z.number().nonnegative().max(MAX_MEGABYTES).default(1024),
  })
  .strict();

export const protectedSchema = z
  .object({
    containers: z.array(z.string()).default([]),
    database_users: z.array(z.string()).default([]),
    tables: z.array(z.string()).default(['users', 'roles', 'permissions']),
    redis_key_patterns: z.array(z.string()).default([]),
  })
  .strict();

/** A number schema without its optional/default wrappers, when the schema is one. */
function numberSchema(schema: z.ZodType): z.ZodNumber | undefined {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodNumber ? s : undefined;
}

/**
 * The numeric options of every check type by name. A threshold under `healing_actions.<code>` has the
 * name of the check option it stands in for (`start_period_seconds`), and gets the same bounds.
 */
const THRESHOLDS = new Map<string, z.ZodNumber>();
for (const t of CHECK_TYPES) {
  for (const [name, option] of Object.entries(t.options.shape)) {
    const n = numberSchema(option as z.ZodType);
    if (n && !THRESHOLDS.has(name)) THRESHOLDS.set(name, n);
  }
}

const HEALING_ACTION_KEYS = new Set([
  'enabled',
  'action',
  'max_retries',
  'timeout_seconds',
  'requires_confirmation',
]);

/** `healing_actions.<issue_code>`: the seeds' keys, plus thresholds the seeds put there. */
export const healingActionSchema = z
  .object({
    enabled: z.boolean().optional(),
    action: z.string().min(1).optional(),
    max_retries: attempts.nonnegative().optional().describe(`At most ${MAX_ATTEMPTS}.`),
    timeout_seconds: timeoutSeconds.optional().describe(AT_MOST_A_DAY),
    requires_confirmation: z.boolean().optional(),
  })
  .catchall(z.union([z.number(), z.string(), z.boolean()]))
  .superRefine((entry, ctx) => {
    for (const [key, value] of Object.entries(entry)) {
      const bounds = HEALING_ACTION_KEYS.has(key) ? undefined : THRESHOLDS.get(key);
      if (!bounds) continue;
      // The checks read a numeric string as its number, so it is bounded the same way.
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const result = bounds.safeParse(n, { reportInput: true });
      if (!result.success)
        for (const issue of result.error.issues)
          ctx.addIssue({ ...issue, path: [key, ...issue.path] } as z.core.$ZodRawIssue);
    }
  });

export const notificationsSchema = z
  .object({
    notify_on_healing_attempt: z.boolean().default(false),
    notify_on_healing_success: z.boolean().default(true),
    notify_on_healing_failure: z.boolean().default(true),
    notification_channels: z.array(z.string()).default([]),
    slack_webhook_url: z
      .string()
      .optional()
      .describe(
        'Empty = no URL (then ORIXOON_SLACK_WEBHOOK_URL); "${SLACK_WEBHOOK_URL:-}" for an optional secret.',
      ),
    webhook_url: z
      .string()
      .optional()
      .describe(
        'Empty = no URL (then ORIXOON_WEBHOOK_URL); "${DEPLOY_WEBHOOK_URL:-}" for an optional secret.',
      ),
    timeout_seconds: timeoutSeconds.default(5).describe(`Per POST. ${AT_MOST_A_DAY}`),
  })
  .strict();

export const targetsSchema = z
  .object({
    docker: z
      .object({
        host: z.string().optional().describe('unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host'),
        tls_verify: z.boolean().optional(),
        cert_path: z
          .string()
          .optional()
          .describe('Directory with ca.pem, cert.pem, key.pem (as DOCKER_CERT_PATH).'),
        timeout_seconds: timeoutSeconds.default(10).describe(AT_MOST_A_DAY),
      })
      .strict()
      .prefault({}),
    postgres: z.object({ url: z.string().optional() }).strict().prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .optional()
          .describe(
            'redis://[user:password@]host[:port][/db]; the database index is a whole number 0–65535.',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const checkId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'use letters, digits and - _ . : (starting with a letter or digit)',
  );

const checkBase = {
  id: checkId,
  depends_on: z.array(z.string()).default([]),
  name: z.string().optional().describe('Human-readable name for reports.'),
};

/** One check entry: `{id, type, depends_on}` plus the options of its type. */
export const checkSchema = z.discriminatedUnion(
  'type',
  CHECK_TYPES.map((t) => t.options.extend({ ...checkBase, type: z.literal(t.type) })) as unknown as [
    z.ZodObject,
    ...z.ZodObject[],
  ],
);

export const phaseSchema = z
  .object({
    name: z.string().min(1),
    checks: z.array(checkSchema).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    version: z
      .union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2')], { error: 'expected 1 or 2' })
      .optional(),
    targets: targetsSchema.prefault({}),
    auto_healing: autoHealingSchema.prefault({}),
    safety_limits: safetyLimitsSchema.prefault({}),
    protected: protectedSchema.prefault({}),
    healing_actions: z.partialRecord(z.enum(ISSUE_CODES), healingActionSchema).default({}),
    notifications: notificationsSchema.prefault({}),
    phases: z
      .array(phaseSchema)
      .max(MAX_PHASES)
      .default([])
      .describe(`At most ${MAX_PHASES} phases and 1000 checks.`),
  })
  .strict();

export type OrixoonConfig = z.infer<typeof configSchema>;
export type CheckConfig = z.infer<typeof checkSchema> & { id: string; type: string; depends_on: string[] };
export type HealingActionConfig = z.infer<typeof healingActionSchema>;
