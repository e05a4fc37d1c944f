// Queue remedies: each is one bounded transaction on the queue table (see targets/queue-table.ts)
// that reports its row counts. Rows are requeued or dead-lettered, never deleted.
import type { Finding, RemedyResult } from '../../core/types.js';
import type { RemedyContext, RemedyDeclaration } from './remedy.js';
import { assertQueueUnprotected, queueTableOf, type QueueSettings } from '../../targets/queue-settings.js';

function optionsOf(ctx: RemedyContext): QueueSettings {
  if (ctx.check.type !== 'queue') {
    throw new Error(
      `Queue remedies act on queue checks; check '${ctx.check.id}' is of type '${ctx.check.type}'`,
    );
  }
  // A queue check's options are validated when it is created: they have this shape.
  const o = ctx.check.options as unknown as QueueSettings;
  assertQueueUnprotected(o, ctx.protected.tables);
  return o;
}

const num = (f: Finding, key: string): number => {
  const v = f.evidence[key];
  return typeof v === 'number' ? v : 0;
};

function dlqName(f: Finding): string {
  return typeof f.evidence.dead_letter_table === 'string' ? f.evidence.dead_letter_table : '';
}

function movedPhrase(n: number, dlq: string, future: boolean): string {
  if (dlq) return future ? `moving ${n} to DLQ` : `moved ${n} to DLQ (${dlq})`;
  return future ? `marking ${n} dead` : `marked ${n} dead`;
}

async function pendingAfter(o: QueueSettings, ctx: RemedyContext): Promise<number> {
  const st = await queueTableOf(o, (url) => ctx.targets.postgres(url)).stats({
    stuckAfterSeconds: o.stuck_after_minutes * 60,
    maxAttempts: o.max_attempts,
  });
  return st.pending;
}

export const requeueFailedItems: RemedyDeclaration = {
  action: 'requeue_failed_items',
  category: 'database',
  risk: 'low',
  system: 'postgres',
  describe(f) {
    const limit = num(f, 'max_rows_per_action') || Infinity;
    const again = num(f, 'requeueable');
    const dead = num(f, 'exhausted');
    if (again + dead > limit) return `Resetting up to ${limit} of ${again + dead} stuck items (row limit)...`;
    return `Resetting ${again} items, ${movedPhrase(dead, dlqName(f), true)}...`;
  },
  async run(_f, ctx: RemedyContext): Promise<RemedyResult> {
    const o = optionsOf(ctx);
    const r = await queueTableOf(o, (url) => ctx.targets.postgres(url)).requeueStuck({
      stuckAfterSeconds: o.stuck_after_minutes * 60,
      maxAttempts: o.max_attempts,
      limit: o.max_rows_per_action,
    });
    return {
      details: `Reset ${r.requeued} items to pending, ${movedPhrase(r.deadLettered, o.dead_letter_table ?? '', false)}`,
      data: { requeued: r.requeued, dead_lettered: r.deadLettered, row_limit: o.max_rows_per_action },
    };
  },
};

export const moveToDeadLetter: RemedyDeclaration = {
  action: 'move_to_dead_letter',
  category: 'database',
  risk: 'medium',
  system: 'postgres',
  describe(f) {
    const limit = num(f, 'max_rows_per_action') || Infinity;
    const n = Math.min(num(f, 'exhausted'), limit);
    const where = dlqName(f) ? `to DLQ (${dlqName(f)})` : 'to the dead status';
    return `Moving ${n} items past their attempt limit ${where}...`;
  },
  async run(_f, ctx: RemedyContext): Promise<RemedyResult> {
    const o = optionsOf(ctx);
    const r = await queueTableOf(o, (url) => ctx.targets.postgres(url)).deadLetterExhaustedPending({
      maxAttempts: o.max_attempts,
      limit: o.max_rows_per_action,
    });
    const pending = await pendingAfter(o, ctx);
    const where = o.dead_letter_table ? `to DLQ (${o.dead_letter_table})` : 'to the dead status';
    // The remaining backlog is real work: it stays reported (the re-test decides), never forced.
    const rest =
      pending > o.max_pending
        ? `; ${pending} pending items remain (limit ${o.max_pending}): a real backlog, scale the workers`
        : `; ${pending} pending items remain`;
    return {
      details: `Moved ${r.deadLettered} items past ${o.max_attempts} attempts ${where}${rest}`,
      data: { dead_lettered: r.deadLettered, pending_after: pending, row_limit: o.max_rows_per_action },
      recommendations:
        pending > o.max_pending
          ? [`Queue '${o.table}' has a real backlog (${pending} pending): add worker capacity`]
          : [],
    };
  },
};

export const resetProcessingStatus: RemedyDeclaration = {
  action: 'reset_processing_status',
  category: 'database',
  risk: 'medium',
  system: 'postgres',
  describe(f) {
    const limit = num(f, 'max_rows_per_action') || Infinity;
    return `Resetting ${Math.min(num(f, 'stale_processing'), limit)} stale processing items to pending...`;
  },
  async run(_f, ctx: RemedyContext): Promise<RemedyResult> {
    const o = optionsOf(ctx);
    const r = await queueTableOf(o, (url) => ctx.targets.postgres(url)).resetStaleProcessing({
      stuckAfterSeconds: o.stuck_after_minutes * 60,
      maxAttempts: o.max_attempts,
      limit: o.max_rows_per_action,
    });
    const dead = r.deadLettered ? `, ${movedPhrase(r.deadLettered, o.dead_letter_table ?? '', false)}` : '';
    return {
      details: `Reset ${r.requeued} stale processing items to pending${dead}`,
      data: { requeued: r.requeued, dead_lettered: r.deadLettered, row_limit: o.max_rows_per_action },
    };
  },
};

export const queueRemedies: RemedyDeclaration[] = [
  requeueFailedItems,
  moveToDeadLetter,
  resetProcessingStatus,
];
