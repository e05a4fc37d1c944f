// The README's tables of check types and issue codes, rendered from the check types' declarations.
// `node scripts/docs-tables.mjs` writes them between their markers; a unit test fails when the README
// holds anything else there.
import type { IssueCode } from '../core/types.js';
import type { CheckType, IssueDeclaration } from './check-type.js';
import { CHECK_TYPES, ENGINE_CODES } from './registry.js';

export const TABLES = ['check-types', 'issue-codes'] as const;
export type TableName = (typeof TABLES)[number];

export function startMarker(name: TableName): string {
  return `<!-- orixoon:${name}:start (generated from the check types: node scripts/docs-tables.mjs) -->`;
}
export function endMarker(name: TableName): string {
  return `<!-- orixoon:${name}:end -->`;
}

/** `| type | options |`: each type's one-line description of its options and defaults. */
export function checkTypesTable(types: readonly CheckType[]): string {
  return [
    '| type | options |',
    '|---|---|',
    ...types.map((t) => `| \`${t.type}\` | ${t.description} |`),
  ].join('\n');
}

function issueRow(owner: string, code: IssueCode, d: IssueDeclaration): string {
  const action = d.docs.action ?? (d.action ? `\`${d.action}\`` : 'none');
  return `| ${owner} | \`${code}\` | ${d.docs.when} | ${action} | ${d.docs.risk ?? d.risk} |`;
}

/** `| check | issue code | detected when | default action | risk |`, then the engine's own codes. */
export function issueCodesTable(
  types: readonly CheckType[],
  engineCodes: Readonly<Record<IssueCode, IssueDeclaration>>,
): string {
  return [
    '| check | issue code | detected when (defaults) | default action | risk |',
    '|---|---|---|---|---|',
    ...types.flatMap((t) => Object.entries(t.codes).map(([code, d]) => issueRow(t.type, code, d))),
    ...Object.entries(engineCodes).map(([code, d]) => issueRow('any', code, d)),
  ].join('\n');
}

/** The text with each table between its markers replaced; throws when a marker is missing. */
export function withTables(text: string, tables: Readonly<Record<TableName, string>>): string {
  let out = text;
  for (const name of TABLES) {
    const start = out.indexOf(startMarker(name));
    const end = out.indexOf(endMarker(name));
    if (start < 0 || end < start)
      throw new Error(
        `README: markers of the ${name} table not found: add ${startMarker(name)} and ${endMarker(name)}`,
      );
    out = `${out.slice(0, start + startMarker(name).length)}\n${tables[name]}\n${out.slice(end)}`;
  }
  return out;
}

/** The tables for the check types registered now (the built-in ones, unless a plugin registered more). */
export function readmeTables(): Record<TableName, string> {
  return {
    'check-types': checkTypesTable(CHECK_TYPES),
    'issue-codes': issueCodesTable(CHECK_TYPES, ENGINE_CODES),
  };
}
