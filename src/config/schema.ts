// The one source of truth for the configuration file: the loader validates with it and the JSON
// Schema shipped for editors is generated from it. Section and key names are those of the
// documented config (auto_healing, healing_actions, safety_limits, notifications).
// Every number has a maximum (src/config/limits.ts): durations that are waited on stay within 24 h,
// far from where a timer overflows.
import * as z from 'zod';
import type { CheckType } from '../checks/check-type.js';
import { CHECK_TYPES, issueCodes, registryVersion } from '../checks/registry.js';
import { healBudgetKeys, stateSchema } from '../state/config.js';
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
    enabled: z.boolean().default(true).describe('Heal what the checks find; false only checks and reports.'),
    dry_run: z.boolean().default(false).describe('Report what would be healed without changing anything.'),
    max_healing_attempts: attempts
      .positive()
      .default(3)
      .describe(`Healing attempts per issue before it is reported as broken. At most ${MAX_ATTEMPTS}.`),
    retry_delay_seconds: seconds.default(10).describe(`Wait between healing attempts. ${AT_MOST_A_DAY}`),
    stabilization_timeout_seconds: timeoutSeconds
      .default(10)
      .describe(`Wait after a healing action before re-testing. ${AT_MOST_A_DAY}`),
  })
  .strict()
  .describe('Whether and how often Orixoon heals what the checks find.');

export const safetyLimitsSchema = z
  .object({
    max_container_restarts_per_session: sessionActions
      .default(5)
      .describe(`Container restarts allowed in one run. At most ${MAX_SESSION_ACTIONS}.`),
    max_database_operations_per_session: sessionActions
      .default(3)
      .describe(`Database healing operations allowed in one run. At most ${MAX_SESSION_ACTIONS}.`),
    cooldown_seconds: seconds
      .default(60)
      .describe(`Wait before the same action on the same target again. ${AT_MOST_A_DAY}`),
    prevent_cascade_restarts: z
      .boolean()
      .default(true)
      .describe('Heal a dependency before what depends on it, never both at once.'),
    max_failing_services: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_SERVICES)
      .default(3)
      .describe(
        `More failing services than this is a systemic failure: nothing is healed. 0 turns the guard off. At most ${MAX_SERVICES}.`,
      ),
    min_free_disk_mb: z
      .number()
      .nonnegative()
      .max(MAX_MEGABYTES)
      .default(1024)
      .describe('No healing action runs with less free disk space than this.'),
    ...healBudgetKeys,
    lease_seconds: timeoutSeconds
      .default(120)
      .describe(
        `How long a lease on a target lasts unless renewed; a run renews it while it acts, so a killed run frees the target after this. ${AT_MOST_A_DAY}`,
      ),
    lease_wait_seconds: seconds
      .default(60)
      .describe(
        `How long a run waits for a target another run holds before it reports it locked. ${AT_MOST_A_DAY}`,
      ),
  })
  .strict()
  .describe('Limits that hold whatever the checks find.');

export const protectedSchema = z
  .object({
    containers: z.array(z.string()).default([]).describe('Containers never restarted or changed.'),
    database_users: z
      .array(z.string())
      .default([])
      .describe('Database users whose sessions are never terminated.'),
    tables: z
      .array(z.string())
      .default(['users', 'roles', 'permissions'])
      .describe('Tables never changed (a queue check on one is refused).'),
    redis_key_patterns: z
      .array(z.string())
      .default([])
      .describe('Redis key patterns never deleted.')
      .meta({ examples: [['session:*']] }),
  })
  .strict()
  .describe('What no healing action may touch.');

/** A number schema without its optional/default wrappers, when the schema is one. */
function numberSchema(schema: z.ZodType): z.ZodNumber | undefined {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodNumber ? s : undefined;
}

const HEALING_ACTION_KEYS = new Set([
  'enabled',
  'action',
  'max_retries',
  'timeout_seconds',
  'requires_confirmation',
]);

/**
 * The numeric options of every check type by name. A threshold under `healing_actions.<code>` has the
 * name of the check option it stands in for (`start_period_seconds`), and gets the same bounds.
 */
function thresholdsOf(types: readonly CheckType[]): Map<string, z.ZodNumber> {
  const thresholds = new Map<string, z.ZodNumber>();
  for (const t of types) {
    for (const [name, option] of Object.entries(t.options.shape)) {
      const n = numberSchema(option as z.ZodType);
      if (n && !thresholds.has(name)) thresholds.set(name, n);
    }
  }
  return thresholds;
}

/** `healing_actions.<issue_code>`: the documented keys, plus the thresholds that may sit there. */
/** The entry's own keys; thresholds are checked by `healingActionSchemaFor`. */
const healingActionKeys = z
  .object({
    enabled: z.boolean().optional().describe('false: this issue is reported but never healed.'),
    action: z
      .string()
      .min(1)
      .optional()
      .describe('The healing action for this issue.')
      .meta({ examples: ['restart_container'] }),
    max_retries: attempts
      .nonnegative()
      .optional()
      .describe(`Retries of the action. At most ${MAX_ATTEMPTS}.`),
    timeout_seconds: timeoutSeconds.optional().describe(`How long the action may take. ${AT_MOST_A_DAY}`),
    requires_confirmation: z
      .boolean()
      .optional()
      .describe('true: the action is reported, never run automatically.'),
  })
  .catchall(z.union([z.number(), z.string(), z.boolean()]));

function healingActionSchemaFor(types: readonly CheckType[]) {
  const thresholds = thresholdsOf(types);
  return healingActionKeys.superRefine((entry, ctx) => {
    for (const [key, value] of Object.entries(entry)) {
      const bounds = HEALING_ACTION_KEYS.has(key) ? undefined : thresholds.get(key);
      if (!bounds) continue;
      // The checks read a numeric string as its number, so it is bounded the same way.
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      const result = bounds.safeParse(n, { reportInput: true });
      if (!result.success)
        for (const issue of result.error.issues)
          ctx.addIssue({ ...issue, path: [key, ...issue.path] } as z.core.$ZodRawIssue);
    }
  });
}

/** `healing_actions.<issue_code>` of the built-in check types. */
export const healingActionSchema = /* @__PURE__ */ healingActionSchemaFor(CHECK_TYPES);

export const notificationsSchema = z
  .object({
    notify_on_healing_attempt: z.boolean().default(false).describe('Notify before each healing action.'),
    notify_on_healing_success: z.boolean().default(true).describe('Notify when healing fixed an issue.'),
    notify_on_healing_failure: z.boolean().default(true).describe('Notify when an issue stays broken.'),
    notification_channels: z
      .array(z.string())
      .default([])
      .describe('Where notifications go: slack, webhook.')
      .meta({ examples: [['slack', 'webhook']] }),
    slack_webhook_url: z
      .string()
      .optional()
      .describe(
        'Empty = no URL (then ORIXOON_SLACK_WEBHOOK_URL); "${SLACK_WEBHOOK_URL:-}" for an optional secret.',
      )
      .meta({ examples: ['${SLACK_WEBHOOK_URL:-}'] }),
    webhook_url: z
      .string()
      .optional()
      .describe(
        'Empty = no URL (then ORIXOON_WEBHOOK_URL); "${DEPLOY_WEBHOOK_URL:-}" for an optional secret.',
      )
      .meta({ examples: ['${DEPLOY_WEBHOOK_URL:-}'] }),
    timeout_seconds: timeoutSeconds.default(5).describe(`Per POST. ${AT_MOST_A_DAY}`),
  })
  .strict()
  .describe('Slack and webhook notifications about healing.');

const dockerHostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits and - _ . (starting with a letter or digit)');

/** One named Docker engine of `targets.docker.hosts`. */
export const dockerHostSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .describe('unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host')
      .meta({ examples: ['tcp://db.internal:2376'] }),
    tls: z
      .object({
        ca: z
          .string()
          .min(1)
          .describe('CA certificate: a PEM file path (relative to this file) or PEM text (`${VAR}`).'),
        cert: z.string().min(1).optional().describe('Client certificate: a PEM file path or PEM text.'),
        key: z
          .string()
          .min(1)
          .optional()
          .describe('Client key: a PEM file path or PEM text (`${VAR}`); masked.'),
      })
      .strict()
      .optional()
      .describe('TLS of a tcp:// host, verified against `ca`. Every value is masked like a secret.'),
    timeout_seconds: timeoutSeconds
      .optional()
      .describe(`Default: targets.docker.timeout_seconds. ${AT_MOST_A_DAY}`),
  })
  .strict();

export const targetsSchema = z
  .object({
    docker: z
      .object({
        host: z
          .string()
          .optional()
          .describe('unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host')
          .meta({ examples: ['unix:///var/run/docker.sock'] }),
        tls_verify: z
          .boolean()
          .optional()
          .describe('Verify the TLS certificate of a tcp:// host (as DOCKER_TLS_VERIFY).'),
        cert_path: z
          .string()
          .optional()
          .describe('Directory with ca.pem, cert.pem, key.pem (as DOCKER_CERT_PATH).'),
        timeout_seconds: timeoutSeconds.default(10).describe(AT_MOST_A_DAY),
        hosts: z
          .record(dockerHostName, dockerHostSchema)
          .optional()
          .describe(
            'Several Docker engines by name, instead of `host`; a check picks one with `docker_host` (default: the only one, or the one named `default`).',
          )
          .meta({
            examples: [
              {
                app: { host: 'unix:///var/run/docker.sock' },
                db: {
                  host: 'tcp://db.internal:2376',
                  tls: { ca: '${DOCKER_DB_CA}', cert: '${DOCKER_DB_CERT}', key: '${DOCKER_DB_KEY}' },
                },
                edge: { host: 'ssh://deploy@edge' },
              },
            ],
          }),
        default: z
          .string()
          .optional()
          .describe(
            'The host of `hosts` a check without `docker_host` uses (default: the only one, or the one named `default`).',
          ),
      })
      .strict()
      .prefault({})
      .describe('The Docker engine (default: DOCKER_HOST or the local socket), or several named engines.'),
    postgres: z
      .object({
        url: z
          .string()
          .optional()
          .describe('postgres://user:password@host:5432/db')
          .meta({ examples: ['${DATABASE_URL}'] }),
      })
      .strict()
      .prefault({})
      .describe('The default PostgreSQL database of postgres, queue and worker checks.'),
    redis: z
      .object({
        url: z
          .string()
          .optional()
          .describe('redis://[user:password@]host[:port][/db]; the database index is a whole number 0–65535.')
          .meta({ examples: ['${REDIS_URL}'] }),
      })
      .strict()
      .prefault({})
      .describe('The default Redis of redis and worker checks.'),
  })
  .strict()
  .describe('Where Docker, PostgreSQL and Redis are.');

const checkId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/,
    'use letters, digits and - _ . : (starting with a letter or digit)',
  );

const checkBase = {
  id: checkId.describe(
    'Unique id of the check; depends_on and reports refer to it. Letters, digits and - _ . :',
  ),
  depends_on: z
    .array(z.string())
    .default([])
    .describe('Ids of checks that must pass first; a check whose dependency failed is skipped.'),
  name: z.string().optional().describe('Human-readable name for reports.'),
};

/** One check entry: `{id, type, depends_on}` plus the options of its type. */
function checkSchemaFor(types: readonly CheckType[]) {
  return z.discriminatedUnion(
    'type',
    types.map((t) =>
      t.options.extend({ ...checkBase, type: z.literal(t.type).describe('Check type.') }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  );
}

/**
 * The whole config file, for these check types and issue codes. `thresholdTypes` bound the thresholds
 * under `healing_actions` (every registered type, even when `types` is only those a config uses).
 */
export function buildConfigSchema(
  types: readonly CheckType[],
  codes: readonly string[],
  thresholdTypes: readonly CheckType[] = types,
) {
  const phaseSchema = z
    .object({
      name: z.string().min(1).describe('Phase name; phases run in order, and a failed phase stops the run.'),
      checks: z.array(checkSchemaFor(types)).default([]).describe('The checks of this phase.'),
    })
    .strict();
  return z
    .object({
      $schema: z.string().optional().describe('URL of this JSON Schema, for editors.'),
      version: z
        .union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2')], { error: 'expected 1 or 2' })
        .optional()
        .describe('Config format version.'),
      targets: targetsSchema.prefault({}),
      auto_healing: autoHealingSchema.prefault({}),
      safety_limits: safetyLimitsSchema.prefault({}),
      protected: protectedSchema.prefault({}),
      healing_actions: z
        .partialRecord(z.enum(codes as [string, ...string[]]), healingActionSchemaFor(thresholdTypes))
        .default({})
        .describe('Per issue code: whether and how it is healed, and thresholds of the checks.'),
      notifications: notificationsSchema.prefault({}),
      state: stateSchema.prefault({}),
      phases: z
        .array(phaseSchema)
        .max(MAX_PHASES)
        .default([])
        .describe(
          `Phases of checks, run in order. Without phases every container on the Docker host is checked. At most ${MAX_PHASES} phases and 1000 checks.`,
        ),
    })
    .strict();
}

export type ConfigSchema = ReturnType<typeof buildConfigSchema>;

let current: { version: number; schema: ConfigSchema } | undefined;

/**
 * The config schema of the check types registered now: the JSON Schema and a config naming a type
 * that is not registered use it, so a type registered after this module was imported is accepted as
 * soon as it is registered.
 */
export function currentConfigSchema(): ConfigSchema {
  if (current?.version !== registryVersion())
    current = { version: registryVersion(), schema: buildConfigSchema(CHECK_TYPES, issueCodes()) };
  return current.schema;
}

let narrowed: { version: number; key: string; schema: ConfigSchema } | undefined;

/**
 * A config schema whose check entries accept only the named (registered) types: what a config that
 * uses those types is validated with, without building the option schemas of every other type. It
 * accepts and rejects exactly what `currentConfigSchema()` does for a config whose checks all have
 * these types. A name that is not registered gives the whole schema (its error lists every type).
 */
export function configSchemaFor(typeNames: Iterable<string>): ConfigSchema {
  const wanted = new Set(typeNames);
  const types = CHECK_TYPES.filter((t) => wanted.has(t.type));
  if (types.length !== wanted.size) return currentConfigSchema();
  // The empty list still needs one member for the union: the first registered type.
  const used = types.length ? types : CHECK_TYPES.slice(0, 1);
  if (used.length === CHECK_TYPES.length) return currentConfigSchema();
  const key = used.map((t) => t.type).join('\0');
  if (narrowed?.version !== registryVersion() || narrowed.key !== key)
    narrowed = {
      version: registryVersion(),
      key,
      schema: buildConfigSchema(used, issueCodes(), CHECK_TYPES),
    };
  return narrowed.schema;
}

/** The config schema of the check types registered when this module was first imported (the built-in ones). */
export const configSchema: ConfigSchema = /* @__PURE__ */ currentConfigSchema();

/** One check entry of the built-in check types. */
export const checkSchema = /* @__PURE__ */ checkSchemaFor(CHECK_TYPES);

export type OrixoonConfig = z.infer<ConfigSchema>;
export type CheckConfig = z.infer<typeof checkSchema> & { id: string; type: string; depends_on: string[] };
export type HealingActionConfig = z.infer<typeof healingActionSchema>;
