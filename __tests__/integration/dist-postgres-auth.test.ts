// PostgreSQL's SCRAM-SHA-256 authentication through the built bundle. The bundle swaps node-postgres's
// WebCrypto helpers for node:crypto (scripts/build.mjs `lazyParts`); the source tests run the library
// unchanged, so these prove the swapped path: a right password connects (also one that is not ASCII,
// which SCRAM normalises and hashes as UTF-8), a wrong one is refused and blocks.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { removeSuite, startPostgres, type PostgresFixture } from '../helpers/docker.js';
import { checkWithBuiltCli } from '../helpers/dist-loads.js';

const SUITE = 'dist-postgres-auth';
const PASSWORD = 'Pä55-wörd-ß-密码';
let db: PostgresFixture;

beforeAll(async () => {
  await removeSuite(SUITE);
  db = await startPostgres({ name: 'oxda-pg', port: 56993, suite: SUITE, password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await removeSuite(SUITE);
});

function check(url: string) {
  return checkWithBuiltCli(`{ id: db, type: postgres, url: "${url}" }`);
}

it('connects with the right password (not ASCII) over SCRAM-SHA-256', async () => {
  const r = await check(db.url);
  expect(r.stdout).toMatch(/✓ db: reachable/);
  expect(r.stdout).toMatch(/Deployment: ALLOWED/);
  expect(r.code).toBe(0);
  // Masked wherever it would appear.
  expect(r.stdout).not.toContain(PASSWORD);
});

it('a wrong password is refused by the server, and the run blocks without printing it', async () => {
  const wrong = 'Pä55-wörd-ß-密码x';
  const r = await check(db.url.replace(encodeURIComponent(PASSWORD), encodeURIComponent(wrong)));
  expect(r.code).not.toBe(0);
  // 28P01: the server checked the SCRAM proof and refused it (not a client-side failure).
  expect(r.stdout).toMatch(/refused Orixoon \(28P01\)/);
  expect(r.stdout).toMatch(/Deployment: BLOCKED/);
  expect(r.stdout).not.toContain(wrong);
});
