// SQL identifiers from the configuration (table and column names) are validated and quoted, never
// interpolated raw; values always travel as parameters.

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `table` or `schema.table`. */
export const QUALIFIED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

export const IDENTIFIER_RULE = 'letters, digits and _ (not starting with a digit), optionally schema.table';

export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/** `table` or `schema.table`. */
export function isQualifiedName(name: string): boolean {
  return QUALIFIED.test(name);
}

/** `"name"`: the name exactly as written (case kept). Throws for anything but a plain identifier. */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Invalid SQL identifier '${name}': use ${IDENTIFIER_RULE}`);
  return `"${name}"`;
}

/** `"schema"."table"` or `"table"`. */
export function quoteQualified(name: string): string {
  if (!QUALIFIED.test(name)) throw new Error(`Invalid SQL table name '${name}': use ${IDENTIFIER_RULE}`);
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

/** The table part of `schema.table`. */
export function tableName(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 1];
}

/**
 * Whether a table is on the protected list. An entry matches by its qualified name or, when it is
 * unqualified, by the table part in any schema (case-insensitive, like unquoted SQL names).
 */
export function isProtectedTable(name: string, protectedTables: readonly string[]): boolean {
  const n = name.toLowerCase();
  const bare = tableName(n);
  return protectedTables.some((p) => {
    const q = p.toLowerCase();
    return q === n || (!q.includes('.') && q === bare);
  });
}
