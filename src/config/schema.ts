// The one source of truth for the configuration file: the loader validates with it and the JSON
// Schema shipped for editors is generated from it. Section and key names follow PRODUCT §4 and the
// seeds' healing_config.json (auto_healing, healing_actions, safety_limits, notifications).
import { z } from 'zod';
import { CHECK_TYPES } from '../checks/registry.js';
import { ISSUE_CODES } from '../engine/types.js';

const seconds = z.number().nonnegative();

export const autoHealingSchema = z
  .object({
    enabled: z.boolean().default(true),
    dry_run: z.boolean().default(false),
    max_healing_attempts: z.number().int().positive().default(3),
    retry_delay_seconds: seconds.default(10),
    stabilization_timeout_seconds: z.number().positive().default(10),
  })
  .strict();

export const safetyLimitsSchema = z
  .object({
    max_container_restarts_per_session: z.number().int().nonnegative().default(5),
    max_database_operations_per_session: z.number().int().nonnegative().default(3),
    cooldown_seconds: seconds.default(60),
    prevent_cascade_restarts: z.boolean().default(true),
    max_failing_services: z.number().int().nonnegative().default(3),
    min_free_disk_mb: z.number().nonnegative().default(1024),
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

/** `healing_actions.<issue_code>`: the seeds' keys, plus thresholds (any number) the seeds put there. */
export const healingActionSchema = z
  .object({
    enabled: z.boolean().optional(),
    action: z.string().min(1).optional(),
    max_retries: z.number().int().nonnegative().optional(),
    timeout_seconds: z.number().positive().optional(),
    requires_confirmation: z.boolean().optional(),
  })
  .catchall(z.union([z.number(), z.string(), z.boolean()]));

export const notificationsSchema = z
  .object({
    notify_on_healing_attempt: z.boolean().default(false),
    notify_on_healing_success: z.boolean().default(true),
    notify_on_healing_failure: z.boolean().default(true),
    notification_channels: z.array(z.string()).default([]),
    slack_webhook_url: z.string().optional(),
    webhook_url: z.string().optional(),
    timeout_seconds: z.number().positive().default(5),
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
        timeout_seconds: z.number().positive().default(10),
      })
      .strict()
      .prefault({}),
    postgres: z.object({ url: z.string().optional() }).strict().prefault({}),
    redis: z.object({ url: z.string().optional() }).strict().prefault({}),
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
    version: z.union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2')]).optional(),
    targets: targetsSchema.prefault({}),
    auto_healing: autoHealingSchema.prefault({}),
    safety_limits: safetyLimitsSchema.prefault({}),
    protected: protectedSchema.prefault({}),
    healing_actions: z.partialRecord(z.enum(ISSUE_CODES), healingActionSchema).default({}),
    notifications: notificationsSchema.prefault({}),
    phases: z.array(phaseSchema).default([]),
  })
  .strict();

export type OrixoonConfig = z.infer<typeof configSchema>;
export type CheckConfig = z.infer<typeof checkSchema> & { id: string; type: string; depends_on: string[] };
export type HealingActionConfig = z.infer<typeof healingActionSchema>;
