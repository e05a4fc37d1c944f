// A job queue kept in a SQL table (e.g. a sync queue): stuck rows, a
// backlog, and delay. Findings point at the table; the queue remedies requeue or dead-letter rows in
// bounded transactions. Protected tables are refused at load (validateQueueConfig) and at run time.
import * as z from 'zod';
import { defineCheckType, type CheckProblem, type HealingPlan, type RunContext } from './check-type.js';
import type { CheckConfigView } from '../core/config-view.js';
import type { Check, CheckResult, Finding } from '../core/types.js';
import type { QueueTable } from '../targets/queue-table.js';
import { queueTableOf } from '../targets/queue-settings.js';
import {
  IDENT,
  IDENTIFIER_RULE,
  isProtectedTable,
  isQualifiedName,
  QUALIFIED,
} from '../targets/sql-identifiers.js';
import { MAX_AGE_MINUTES, MAX_COUNT, MAX_ROWS_PER_ACTION } from '../config/limits.js';

// Regexes (not refinements), so the JSON Schema for editors carries them as `pattern`.
const tableName = z.string().regex(QUALIFIED, `use ${IDENTIFIER_RULE}`);
const columnName = z.string().regex(IDENT, 'use letters, digits and _ (not starting with a digit)');

export const queueOptions = z.strictObject({
  url: z.string().min(1).optional().describe('Default: targets.postgres.url.'),
  table: tableName,
  id_column: columnName.default('id').describe('Primary key column (rows are picked and moved by it).'),
  status_column: columnName.default('status'),
  updated_at_column: columnName.default('updated_at'),
  created_at_column: columnName.default('created_at'),
  attempts_column: columnName.default('attempts'),
  statuses: z
    .strictObject({
      pending: z.string().default('pending'),
      processing: z.string().default('processing'),
      failed: z.string().default('failed'),
      dead: z.string().default('dead'),
    })
    .prefault({}),
  stuck_after_minutes: z.number().nonnegative().max(MAX_AGE_MINUTES).default(30),
  max_stuck: z.number().int().nonnegative().max(MAX_COUNT).default(10),
  max_pending: z.number().int().nonnegative().max(MAX_COUNT).default(100),
  max_delay_minutes: z.number().nonnegative().max(MAX_AGE_MINUTES).default(60),
  max_attempts: z.number().int().positive().max(MAX_COUNT).default(5),
  dead_letter_table: tableName
    .optional()
    .describe('Same columns as the queue; without it rows get the dead status.'),
  max_rows_per_action: z.number().int().positive().max(MAX_ROWS_PER_ACTION).default(100),
});
export type QueueOptions = z.infer<typeof queueOptions>;

const CHECK_KEYS = new Set(['id', 'type', 'depends_on', 'name']);

/** A queue check's options out of a parsed config entry (which also carries id, type, depends_on). */
export function queueOptionsFrom(entry: Record<string, unknown>): QueueOptions {
  return queueOptions.parse(Object.fromEntries(Object.entries(entry).filter(([k]) => !CHECK_KEYS.has(k))));
}

/** The queue check `id` of the config, if any (the worker check follows its progress). */
export function findQueueCheck(config: CheckConfigView, id: string): QueueOptions | undefined {
  for (const phase of config.phases) {
    for (const entry of phase.checks as Array<Record<string, unknown>>) {
      if (entry.id === id && entry.type === 'queue') return queueOptionsFrom(entry);
    }
  }
  return undefined;
}

export function queueTable(o: QueueOptions, ctx: RunContext): QueueTable {
  return queueTableOf(o, (url) => ctx.targets.postgres(url));
}

/**
 * Problems of a queue check's options against the config (protected tables, a dead-letter table
 * that is the queue itself, statuses that collide). Empty = fine. The loader reports each with the
 * check's line; the remedies refuse the same things again at run time.
 */
export function validateQueueConfig(
  checkOptions: Record<string, unknown>,
  config: Pick<CheckConfigView, 'protected'>,
): string[] {
  const problems: string[] = [];
  const protectedTables = config.protected?.tables ?? [];
  const table = typeof checkOptions.table === 'string' ? checkOptions.table : undefined;
  const dlq = typeof checkOptions.dead_letter_table === 'string' ? checkOptions.dead_letter_table : undefined;
  for (const [key, name] of [
    ['table', table],
    ['dead_letter_table', dlq],
  ] as const) {
    if (name === undefined) continue;
    if (!isQualifiedName(name))
      problems.push(`${key} '${name}' is not a valid SQL table name (${IDENTIFIER_RULE})`);
    else if (isProtectedTable(name, protectedTables)) {
      problems.push(
        `${key} '${name}' is a protected table (protected.tables): a queue check may not change it`,
      );
    }
  }
  if (table && dlq && table.toLowerCase() === dlq.toLowerCase()) {
    problems.push(`dead_letter_table '${dlq}' is the queue table itself: use a separate table`);
  }
  const statuses = checkOptions.statuses;
  if (statuses && typeof statuses === 'object') {
    const values = Object.entries(statuses as Record<string, unknown>).filter(
      ([, v]) => typeof v === 'string',
    );
    const seen = new Map<unknown, string>();
    for (const [k, v] of values) {
      const other = seen.get(v);
      if (other)
        problems.push(
          `statuses.${k} and statuses.${other} are both '${String(v)}': each status needs its own value`,
        );
      seen.set(v, k);
    }
  }
  return problems;
}

const minutes = (s: number) => (s >= 600 ? Math.round(s / 60) : Math.round(s / 6) / 10);

/** A protected queue (or dead-letter) table is fixed by hand whatever the finding; else `manual` when given. */
function queuePlan(f: Finding, manual?: string): HealingPlan | undefined {
  if (f.facts?.protected_table)
    return {
      manual: `Table '${f.target}' or its dead-letter table is protected (protected.tables): fix the queue by hand`,
    };
  return manual ? { manual } : undefined;
}

export const queueCheck = defineCheckType({
  type: 'queue',
  targets: ['postgres'],
  description:
    '`table`; `status_column` status; `updated_at_column` updated_at; `created_at_column` created_at; `attempts_column` attempts; `statuses` {pending, processing, failed, dead}; `stuck_after_minutes` 30; `max_stuck` 10; `max_pending` 100; `max_delay_minutes` 60; `max_attempts` 5; `dead_letter_table`; `max_rows_per_action` 100',
  codes: {
    queue_stuck: {
      title: 'Queue stuck',
      action: 'requeue_failed_items',
      risk: 'low',
      docs: { when: '`failed`/stale `processing` rows exceed a count' },
      plan: (f) => queuePlan(f),
    },
    queue_backlog: {
      title: 'Queue backlog',
      action: 'move_to_dead_letter',
      risk: 'medium',
      docs: { when: 'pending rows exceed a count', action: '`move_to_dead_letter` (rows past max attempts)' },
      // Only rows past their attempts may be moved; without any, nothing safe is left to do.
      plan: (f) =>
        queuePlan(
          f,
          f.evidence.exhausted === 0
            ? `None of the ${String(f.evidence.pending)} pending items is past ${String(f.evidence.max_attempts)} attempts: a real backlog, ` +
                'add worker capacity (no row is moved to make a queue look short)'
            : undefined,
        ),
    },
    queue_delay: {
      title: 'Queue delay',
      action: 'reset_processing_status',
      risk: 'medium',
      docs: { when: 'oldest pending row older than 1 h' },
      plan: (f) =>
        queuePlan(
          f,
          f.evidence.stale_processing === 0
            ? `No processing item is older than ${String(f.evidence.stuck_after_minutes)} min, so there is nothing to reset: ` +
                'the workers are not keeping up (check them, or add capacity)'
            : undefined,
        ),
    },
  },
  options: queueOptions,
  validate(o, config): CheckProblem[] {
    return validateQueueConfig(o, config).map((message) => ({
      path: [
        message.startsWith('dead_letter_table')
          ? 'dead_letter_table'
          : message.startsWith('statuses')
            ? 'statuses'
            : 'table',
      ],
      message,
    }));
  },
  create(spec, config): Check {
    const o = spec.options;
    const protectedTables = config.protected.tables;
    return {
      id: spec.id,
      type: 'queue',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: o,
      async run(ctx: RunContext): Promise<CheckResult> {
        const table = queueTable(o, ctx);
        const st = await table.stats({
          stuckAfterSeconds: o.stuck_after_minutes * 60,
          maxAttempts: o.max_attempts,
        });
        const base = {
          checkId: spec.id,
          target: o.table,
          targetKey: `table:${o.table}`,
        };
        const common = {
          table: o.table,
          dead_letter_table: o.dead_letter_table ?? null,
          max_attempts: o.max_attempts,
          max_rows_per_action: o.max_rows_per_action,
        };
        const guarded =
          isProtectedTable(o.table, protectedTables) ||
          (o.dead_letter_table !== undefined && isProtectedTable(o.dead_letter_table, protectedTables));
        const findings: Finding[] = [];
        const stuck = st.failed + st.staleProcessing;
        if (stuck > o.max_stuck) {
          findings.push({
            ...base,
            code: 'queue_stuck',
            message:
              `Queue '${o.table}' has ${stuck} stuck items (${st.failed} failed, ${st.staleProcessing} processing ` +
              `for over ${o.stuck_after_minutes} min; limit ${o.max_stuck})`,
            evidence: {
              ...common,
              failed: st.failed,
              stale_processing: st.staleProcessing,
              stuck,
              max_stuck: o.max_stuck,
              requeueable: st.requeueable,
              exhausted: st.exhaustedStuck,
            },
          });
        }
        if (st.pending > o.max_pending) {
          findings.push({
            ...base,
            code: 'queue_backlog',
            message: `Queue '${o.table}' backlog: ${st.pending} pending items (limit ${o.max_pending})`,
            evidence: {
              ...common,
              pending: st.pending,
              max_pending: o.max_pending,
              exhausted: st.exhaustedPending,
            },
          });
        }
        if (st.oldestPendingSeconds !== null && st.oldestPendingSeconds > o.max_delay_minutes * 60) {
          findings.push({
            ...base,
            code: 'queue_delay',
            message:
              `Queue '${o.table}' delayed: oldest pending item waiting ${minutes(st.oldestPendingSeconds)} min ` +
              `(limit ${o.max_delay_minutes} min)`,
            evidence: {
              ...common,
              oldest_pending_minutes: minutes(st.oldestPendingSeconds),
              max_delay_minutes: o.max_delay_minutes,
              stale_processing: st.staleProcessing,
              stuck_after_minutes: o.stuck_after_minutes,
            },
          });
        }
        if (guarded) for (const f of findings) f.facts = { protected_table: true };
        return {
          findings,
          summary: `${st.pending} pending, ${st.processing} processing, ${st.failed} failed, ${st.dead} dead`,
          facts: { queue: { table: o.table, ...st } },
        };
      },
    };
  },
});
