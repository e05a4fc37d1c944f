// Redis target (ioredis). Implemented by the data-store work; this stub keeps the tree building.
export class RedisTarget {
  constructor(readonly url: string) {}
  async close(): Promise<void> {}
}
