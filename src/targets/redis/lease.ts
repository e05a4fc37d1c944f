// A lease on a Redis server: `SET key value NX PX ttl`, the value being the token and the holder. Renew
// and release compare the token first, in one script, so a holder whose lease expired and was taken
// over can never extend or delete the new holder's. A killed holder's lease ends with its PX expiry.
import {
  LEASE_CALL_TIMEOUT_MS,
  leaseHolderJson,
  newLeaseToken,
  parseLeaseHolder,
  withLeaseTimeout,
  type LeaseAcquired,
  type LeaseHolder,
  type LeaseRefused,
  type LeaseStore,
} from '../lease.js';
import type { RedisConnection } from './connection.js';

/** The key a lease is stored under, beside the application's keys. */
export function redisLeaseKey(key: string): string {
  return `orixoon:lease:${key}`;
}

// The stored value is `token\nholder`: the token is a UUID, so its end is unambiguous.
const IF_TOKEN = (then: string) => `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. '\\n' then
  return ${then}
end
return 0`;
const RENEW_IF_HELD = IF_TOKEN(`redis.call('PEXPIRE', KEYS[1], ARGV[2])`);
const RELEASE_IF_HELD = IF_TOKEN(`redis.call('DEL', KEYS[1])`);

export class RedisLeaseStore implements LeaseStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly timeoutMs = LEASE_CALL_TIMEOUT_MS,
  ) {}

  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAcquired | LeaseRefused> {
    const k = redisLeaseKey(key);
    const token = newLeaseToken();
    const value = `${token}\n${leaseHolderJson(holder)}`;
    const ttl = Math.max(1, Math.round(ttlMs));
    return withLeaseTimeout(
      `Redis ${this.redis.display}: lease '${key}'`,
      this.timeoutMs,
      this.redis.run(`lease ${key}`, async (c) => {
        // A lease that expires between the refused SET and the read is simply tried again.
        for (let attempt = 0; attempt < 3; attempt++) {
          if ((await c.set(k, value, 'PX', ttl, 'NX')) === 'OK') return { acquired: true, token };
          const seen = (await c.multi().get(k).pttl(k).exec()) ?? [];
          const current = seen[0]?.[1];
          const pttl = seen[1]?.[1];
          if (typeof current !== 'string') continue;
          return {
            acquired: false,
            holder: parseLeaseHolder(current.slice(current.indexOf('\n') + 1)),
            expiresAt: typeof pttl === 'number' && pttl > 0 ? Date.now() + pttl : null,
          };
        }
        throw new Error(`lease '${key}' changed hands three times while being taken; try again`);
      }),
    );
  }

  renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.ifHeld('renewal', RENEW_IF_HELD, key, token, [String(Math.max(1, Math.round(ttlMs)))]);
  }

  release(key: string, token: string): Promise<boolean> {
    return this.ifHeld('release', RELEASE_IF_HELD, key, token, []);
  }

  private ifHeld(what: string, script: string, key: string, token: string, args: string[]): Promise<boolean> {
    return withLeaseTimeout(
      `Redis ${this.redis.display}: lease ${what} '${key}'`,
      this.timeoutMs,
      this.redis.run(`lease ${what} ${key}`, async (c) => {
        return Number(await c.eval(script, 1, redisLeaseKey(key), token, ...args)) === 1;
      }),
    );
  }
}
