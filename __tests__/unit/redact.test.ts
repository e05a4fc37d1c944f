// The Redactor without any server: which values are masked where, in which encoded forms, and what
// is left alone so that masking never turns ordinary text into a giveaway.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/support/logger.js';
import { Redactor, base64Fragment } from '../../src/support/redact.js';
import { configUrlsWithPasswords, registerSecrets } from '../../src/engine/secrets.js';
import { writeReportFiles } from '../../src/report/files.js';
import { makeFinding, makeReport } from '../helpers/github-server.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('Redactor', () => {
  it('masks a short value wherever it stands as a token, never inside other words', () => {
    const r = new Redactor();
    r.add('hunter2');
    expect(r.redact('pw=hunter2; "hunter2" (hunter2)\nhunter2')).toBe('pw=***; "***" (***)\n***');
    expect(r.redact('hunter21 xhunter2 hunter2x')).toBe('hunter21 xhunter2 hunter2x');
    r.add('8000');
    expect(r.redact('port 8000, took 18000 ms, 80001')).toBe('port ***, took 18000 ms, 80001');
  });

  it('masks a long value anywhere, also inside longer words', () => {
    const r = new Redactor();
    r.add('S3cret-Pa55');
    expect(r.redact('xxS3cret-Pa55yy')).toBe('xx***yy');
  });

  it('refuses 1-2 character values (reported by label) instead of masking every letter', () => {
    const r = new Redactor();
    r.add('a', '${ONE}');
    r.add('7x');
    expect(r.redact('a cat ate 7x')).toBe('a cat ate 7x');
    expect(r.refused).toEqual(['${ONE}', 'a 2-character value']);
  });

  it('masks base64 of the value at each of the three byte offsets inside a longer base64 string', () => {
    const r = new Redactor();
    r.add('hunter2');
    for (const prefix of ['', 'u:', 'us:', 'deploy:', 'x']) {
      for (const suffix of ['', '!', 'xy']) {
        const token = b64(`${prefix}hunter2${suffix}`);
        expect(r.redact(`Authorization-ish ${token} end`), `${prefix}|${suffix}`).toBe(
          'Authorization-ish *** end',
        );
        const url = Buffer.from(`${prefix}hunter2${suffix}`).toString('base64url');
        expect(r.redact(`t=${url}`)).toBe('t=***');
      }
    }
    expect(base64Fragment(Buffer.from('hunter2'), 0)).toBe(b64('hunter2').slice(0, 9));
    // Unrelated base64 is left alone.
    expect(r.redact(`x ${b64('deploy:hallo12')} y`)).toBe(`x ${b64('deploy:hallo12')} y`);
  });

  it('masks URL-encoded, JSON-escaped and header forms, and basic-auth pairs from URLs', () => {
    const r = new Redactor();
    r.add('p@ss w/rd"q');
    expect(r.redact('a=p%40ss%20w%2Frd%22q b=p%40ss+w%2frd%22q c="p@ss w/rd\\"q"')).toBe(
      'a=*** b=*** c="***"',
    );
    r.add('https://deploy:t0psecret@api.example/x');
    expect(r.redact(`Authorization: Basic ${b64('deploy:t0psecret')}`)).toBe('Authorization: Basic ***');
    expect(r.redact(`-u deploy:t0psecret`)).toBe('-u ***');
    // Any Authorization header, registered or not, and any URL password.
    const plain = new Redactor();
    expect(plain.redact('> Authorization: Bearer abc.def-ghi\n"authorization": "token ghp_x1"')).toBe(
      '> Authorization: Bearer ***\n"authorization": "token ***"',
    );
    expect(plain.redact('redis://:pw@cache:6379')).toBe('redis://:***@cache:6379');
  });

  it('tells core.setSecret only values safe to mask anywhere (8+ characters)', () => {
    const told: string[] = [];
    const r = new Redactor((s) => told.push(s));
    r.add('short1');
    r.add('long-enough-1');
    expect(told).toEqual(['long-enough-1']);
  });
});

describe('run secrets', () => {
  it('every value the config expanded is a secret, whatever its name or length; the runner context is not', () => {
    const lines: string[] = [];
    const r = new Redactor();
    const log = new Logger(r, { line: (t) => lines.push(t) });
    registerSecrets(
      r,
      {
        expanded: [
          { name: 'APP_PIN', value: 'x7Q2kp' },
          { name: 'GITHUB_REPOSITORY', value: 'acme/shop' },
          { name: 'DB_PASSWORD', value: 'pw' },
          { name: 'REPLICAS', value: '3' },
        ],
        config: { targets: { http: ['curl https://ci:l0ngpassw0rd@api.example/health'] } } as never,
      },
      { DEPLOY_PASSWORD: 'hunter2', AUTH_ENABLED: '1' },
      log,
    );
    expect(r.redact('x7Q2kp acme/shop hunter2 l0ngpassw0rd')).toBe('*** acme/shop *** ***');
    expect(lines).toEqual([expect.stringMatching(/^⚠️ \$\{DB_PASSWORD\} is too short to mask/)]);
    expect(configUrlsWithPasswords({ a: ['x https://u:p@h/y z', 'no url'] })).toEqual(['https://u:p@h/y']);
  });

  it('report.json stays valid JSON when a short secret equals a number or a keyword in it', () => {
    const r = new Redactor();
    r.add('1234');
    r.add('true');
    const report = makeReport([makeFinding({ durationMs: 1234, message: 'pin 1234 is true' })]);
    const dir = mkdtempSync(join(tmpdir(), 'oxr-'));
    const written = writeReportFiles(report, [], '', dir, r);
    const parsed = JSON.parse(readFileSync(written.reportPath, 'utf8')) as typeof report;
    expect(parsed.findings[0]!.message).toBe('pin *** is ***');
    expect(parsed.mode.autoHeal).toBe(true);
  });
});
