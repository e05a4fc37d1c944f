// A queue table as a queue check configures it (the check's validated options have this shape), and the
// QueueTable over it. Shared by the queue check and the queue remedies.
import type { PostgresTarget } from './postgres/index.js';
import { QueueTable, type QueueStatuses } from './queue-table.js';
import { isProtectedTable } from './sql-identifiers.js';

export interface QueueSettings {
  url?: string;
  table: string;
  id_column: string;
  status_column: string;
  updated_at_column: string;
  created_at_column: string;
  attempts_column: string;
  statuses: QueueStatuses;
  dead_letter_table?: string;
  stuck_after_minutes: number;
  max_attempts: number;
  max_pending: number;
  max_rows_per_action: number;
}

export function queueTableOf(o: QueueSettings, postgres: (url?: string) => PostgresTarget): QueueTable {
  return new QueueTable(postgres(o.url), {
    table: o.table,
    idColumn: o.id_column,
    statusColumn: o.status_column,
    updatedAtColumn: o.updated_at_column,
    createdAtColumn: o.created_at_column,
    attemptsColumn: o.attempts_column,
    statuses: o.statuses,
    deadLetterTable: o.dead_letter_table,
  });
}

/** Throws when an action would touch a protected table (the run-time half of the refusal). */
export function assertQueueUnprotected(o: QueueSettings, protectedTables: readonly string[]): void {
  for (const name of [o.table, o.dead_letter_table]) {
    if (name && isProtectedTable(name, protectedTables)) {
      throw new Error(`Table '${name}' is protected (protected.tables): refusing to change it`);
    }
  }
}
