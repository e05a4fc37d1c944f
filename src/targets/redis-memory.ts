// Readings of a Redis server's memory for people: sizes, and the eviction policy advice. Shared by the
// redis check and the redis remedies.
import type { RedisMemory } from './redis/index.js';

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

export function evictionRecommendation(m: RedisMemory): string | undefined {
  if (m.policy !== 'noeviction') return undefined;
  return (
    "Redis maxmemory-policy is 'noeviction': writes fail once maxmemory is reached. Set " +
    '`maxmemory-policy volatile-lru` (evicts keys that have a TTL) or `allkeys-lru` (a pure cache) in redis.conf'
  );
}
