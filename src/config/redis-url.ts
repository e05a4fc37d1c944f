// What a Redis URL must look like before a client is made from it. The client would take a database
// index of "x", "-1" or twenty digits as given and fail later (or throw outside any handler), so the
// index is checked where the URL is read: the config loader and the `redis-url` input / --redis-url.
// The same forms as the client accepts: redis:// or rediss:// URLs, `host:port`, a bare port, and a
// unix socket path; the index is the URL's path (`/2`) or its `db` parameter (`?db=2`).
import { MAX_REDIS_DB } from './limits.js';

const FORM = 'redis://[user:password@]host[:port][/db]';

/** Why this Redis URL cannot be used, or undefined. Never repeats the URL (it may hold a password). */
export function redisUrlProblem(url: string): string | undefined {
  const raw = url.trim();
  if (/^\d+$/.test(raw)) return undefined; // a port
  let db: string | null = null;
  if (raw.startsWith('/') && !raw.startsWith('//')) {
    const q = raw.indexOf('?');
    if (q !== -1) db = new URLSearchParams(raw.slice(q + 1)).get('db');
  } else {
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'redis' && scheme !== 'rediss')
      return `a Redis URL starts with redis:// or rediss:// (${FORM})`;
    let parsed: URL;
    try {
      parsed = new URL(scheme ? raw : `redis://${raw.replace(/^\/\//, '')}`);
    } catch {
      return `not a valid Redis URL: write it as ${FORM}`;
    }
    const path = parsed.pathname.replace(/^\//, '');
    // Without a scheme (or `//`) the client reads the path as a socket path, not a database.
    const pathIsDb = scheme !== undefined || raw.startsWith('//');
    db = pathIsDb && path !== '' ? path : parsed.searchParams.get('db');
  }
  if (db === null) return undefined;
  if (!/^\d{1,6}$/.test(db) || Number(db) > MAX_REDIS_DB)
    return `the database index (after the port, or ?db=) must be a whole number from 0 to ${MAX_REDIS_DB}: write it as ${FORM}, e.g. redis://cache:6379/0`;
  return undefined;
}
