// Notification payload shapes (the HTTP side is in integration/github-notify.test.ts).
import { describe, expect, it } from 'vitest';
import type { HealingEvent } from '../../src/engine/run.js';
import { slackPayload, webhookPayload } from '../../src/report/notify.js';
import { makeFinding } from '../helpers/github-server.js';

const e: HealingEvent = {
  kind: 'success',
  finding: makeFinding({
    code: 'redis_memory_full',
    checkId: 'cache',
    target: 'redis <main>',
    message: 'Redis memory 97% full & rising',
    evidence: {},
  }),
  action: 'flush_expiring_keys',
  attempt: 2,
  details: 'Memory now at 61%',
  timestamp: '2025-01-10T14:30:15.000Z',
};

describe('notification payloads', () => {
  it('generic webhook: event name per kind, optional run fields only when known', () => {
    expect(webhookPayload(e)).toEqual({
      event: 'healing_success',
      finding: {
        code: 'redis_memory_full',
        check_id: 'cache',
        target: 'redis <main>',
        message: 'Redis memory 97% full & rising',
        severity: 'error',
        evidence: {},
      },
      action: 'flush_expiring_keys',
      attempt: 2,
      details: 'Memory now at 61%',
      timestamp: '2025-01-10T14:30:15.000Z',
    });
    expect(webhookPayload({ ...e, kind: 'attempt' }, { repository: 'a/b', sha: 'abc' })).toMatchObject({
      event: 'healing_attempt',
      repository: 'a/b',
      sha: 'abc',
    });
    expect(webhookPayload({ ...e, kind: 'failure' }).event).toBe('healing_failure');
  });

  it('slack: plain text fallback and escaped mrkdwn blocks', () => {
    const p = slackPayload(e, {
      repository: 'a/b',
      sha: 'abcdef0123',
      runUrl: 'https://github.example/a/b/actions/runs/1',
    });
    expect(p.text).toBe('Orixoon ✅ HEALED: Redis memory 97% full & rising: Memory now at 61%');
    const section = p.blocks![0] as { text: { text: string } };
    expect(section.text.text).toBe('✅ HEALED: Redis memory 97% full &amp; rising: Memory now at 61%');
    const context = JSON.stringify(p.blocks![1]);
    expect(context).toContain('`abcdef0`');
    expect(context).toContain('<https://github.example/a/b/actions/runs/1|workflow run>');
  });
});
