// A PostgreSQL URL that does not parse, without a server: a target error naming the target, never
// the password, never a raw TypeError; probe() keeps its promise of never throwing.
import { describe, expect, it } from 'vitest';
import { PostgresTarget, PostgresTargetError } from '../../src/targets/postgres/index.js';

describe('PostgresTarget with a malformed URL', () => {
  it('query() and ping() reject with a PostgresTargetError; probe() resolves not ok', async () => {
    for (const url of ['postgres://app:s3cret-pw@db:5432:1/app', 'postgres://app:s3cret-pw@[::1/app']) {
      const t = new PostgresTarget(url);
      try {
        const err = await t.ping().catch((e: unknown) => e);
        expect(err, url).toBeInstanceOf(PostgresTargetError);
        expect((err as Error).message).toBe(
          'PostgreSQL postgres (unparsable URL): connect failed: Invalid URL',
        );
        const probe = await t.probe(500);
        expect(probe).toEqual({ ok: false, error: 'Invalid URL' });
      } finally {
        await t.close();
      }
    }
  });
});
