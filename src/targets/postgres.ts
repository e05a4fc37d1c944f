// PostgreSQL target (pg). Implemented by the data-store work; this stub keeps the tree building.
export class PostgresTarget {
  constructor(readonly url: string) {}
  async close(): Promise<void> {}
}
