// Slack and generic webhook notifications against a real HTTP receiver on 127.0.0.1: payloads,
// the notify_on_* switches, one retry, a receiver that never answers, and no URL or secret leaks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { WebhookServer } from '../helpers/webhook-server.js';
import { FakeGitHub, HEAD_SHA, makeFinding, prEnv } from '../helpers/github-server.js';
import { capturingLogger } from '../helpers/context.js';
import type { HealingEvent } from '../../src/engine/run.js';
import { createNotifier, type NotificationsConfig, type WebhookPayload } from '../../src/report/notify.js';

let hooks: WebhookServer;
let gh: FakeGitHub; // only for a realistic GITHUB_* environment

beforeAll(async () => {
  hooks = await new WebhookServer().start();
  gh = await new FakeGitHub().start();
});
afterAll(async () => {
  await hooks.stop();
  await gh.stop();
});
beforeEach(() => {
  hooks.received.length = 0;
  hooks.behaviour = () => 200;
});

function config(over: Partial<NotificationsConfig> = {}): NotificationsConfig {
  return {
    notify_on_healing_attempt: false,
    notify_on_healing_success: true,
    notify_on_healing_failure: true,
    notification_channels: ['webhook'],
    webhook_url: `${hooks.url}/hooks/orixoon-token-123`,
    timeout_seconds: 5,
    ...over,
  };
}

function notifier(cfg: NotificationsConfig, env: NodeJS.ProcessEnv = prEnv(gh)) {
  const { redactor, log, lines } = capturingLogger();
  return { notify: createNotifier(cfg, { redactor, log, env }), lines, redactor };
}

function event(kind: HealingEvent['kind'], over: Partial<HealingEvent> = {}): HealingEvent {
  return {
    kind,
    finding: makeFinding({
      code: 'container_not_running',
      checkId: 'redis',
      target: 'oxg-redis',
      message: "Docker container 'oxg-redis' not running",
      evidence: { state: 'exited', exitCode: 137 },
    }),
    action: 'start_container',
    attempt: 1,
    details: kind === 'failure' ? 'Container exited again (exit 1)' : 'Container started successfully',
    timestamp: '2025-01-10T14:30:15.000Z',
    ...over,
  };
}

describe('notifications', () => {
  it('posts the generic webhook JSON on success and failure, not on attempt (default switches)', async () => {
    const { notify } = notifier(config());
    await notify(event('attempt'));
    await notify(event('success'));
    await notify(event('failure', { attempt: 3 }));
    expect(hooks.received.map((r) => r.path)).toEqual([
      '/hooks/orixoon-token-123',
      '/hooks/orixoon-token-123',
    ]);
    const success = hooks.received[0]!.json as WebhookPayload;
    expect(success).toEqual({
      event: 'healing_success',
      finding: {
        code: 'container_not_running',
        check_id: 'redis',
        target: 'oxg-redis',
        message: "Docker container 'oxg-redis' not running",
        severity: 'error',
        evidence: { state: 'exited', exitCode: 137 },
      },
      action: 'start_container',
      attempt: 1,
      details: 'Container started successfully',
      timestamp: '2025-01-10T14:30:15.000Z',
      repository: 'acme/shop',
      sha: HEAD_SHA,
      run_url: 'https://github.example/acme/shop/actions/runs/4242',
    });
    expect(hooks.received[1]!.json as WebhookPayload).toMatchObject({ event: 'healing_failure', attempt: 3 });
    expect(hooks.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('posts a Slack message {text, blocks} when asked for attempts too', async () => {
    const { notify } = notifier(
      config({
        notification_channels: ['slack'],
        slack_webhook_url: `${hooks.url}/services/T000/B000/XXXX`,
        notify_on_healing_attempt: true,
      }),
    );
    await notify(event('attempt'));
    await notify(event('failure'));
    expect(hooks.received).toHaveLength(2);
    const [attempt, failure] = hooks.received.map(
      (r) => r.json as { text: string; blocks: Array<{ type: string }> },
    );
    expect(attempt!.text).toBe(
      "Orixoon 🔧 HEALING: Docker container 'oxg-redis' not running: running start_container (attempt 1)",
    );
    expect(failure!.text).toContain('❌ HEALING FAILED');
    expect(failure!.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(JSON.stringify(failure!.blocks)).toContain('acme/shop');
  });

  it('sends to both channels, and takes the URLs from ORIXOON_* env variables when the config has none', async () => {
    const env = {
      ...prEnv(gh),
      ORIXOON_SLACK_WEBHOOK_URL: `${hooks.url}/slack-from-env`,
      ORIXOON_WEBHOOK_URL: `${hooks.url}/hook-from-env`,
    };
    const { notify } = notifier(
      config({ notification_channels: ['slack', 'webhook'], webhook_url: undefined }),
      env,
    );
    await notify(event('success'));
    expect(hooks.received.map((r) => r.path).sort()).toEqual(['/hook-from-env', '/slack-from-env']);
  });

  it('retries once after a 500 and then succeeds without a warning', async () => {
    hooks.behaviour = (n) => (n === 0 ? 500 : 200);
    const { notify, lines } = notifier(config());
    await notify(event('success'));
    expect(hooks.received).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('WARNING'))).toEqual([]);
  });

  it('a failing webhook never throws: two attempts, then a warning without the URL', async () => {
    hooks.behaviour = () => 503;
    const { notify, lines } = notifier(config());
    await expect(notify(event('failure'))).resolves.toBeUndefined();
    expect(hooks.received).toHaveLength(2);
    expect(lines).toContain(
      'WARNING: webhook notification (healing_failure) not delivered after 2 attempts: HTTP 503',
    );
    expect(lines.join('\n')).not.toContain('orixoon-token-123');
  });

  it('a 4xx answer is not retried', async () => {
    hooks.behaviour = () => 404;
    const { notify, lines } = notifier(config());
    await notify(event('success'));
    expect(hooks.received).toHaveLength(1);
    expect(lines).toContain(
      'WARNING: webhook notification (healing_success) not delivered after 1 attempt: HTTP 404',
    );
  });

  it('a webhook that never answers times out (timeout_seconds, twice), no throw', async () => {
    hooks.behaviour = () => 'hang';
    const { notify, lines } = notifier(config({ timeout_seconds: 0.5 }));
    const t0 = Date.now();
    await expect(notify(event('success'))).resolves.toBeUndefined();
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
    expect(hooks.received).toHaveLength(2);
    expect(lines).toContain(
      'WARNING: webhook notification (healing_success) not delivered after 2 attempts: no answer within 0.5 s',
    );
  });

  it('a refused connection is a warning, not an error', async () => {
    // A port in our range that nothing listens on: bind it, then close it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(59098, '127.0.0.1', () => r()));
    await new Promise<void>((r) => probe.close(() => r()));
    const { notify, lines } = notifier(config({ webhook_url: 'http://127.0.0.1:59098/hook' }));
    await notify(event('success'));
    expect(
      lines.some((l) => l.startsWith('WARNING: webhook notification') && l.includes('ECONNREFUSED')),
    ).toBe(true);
  });

  it('webhook URLs are registered as secrets and secrets in the event are masked in the body', async () => {
    const dbUrl = 'postgres://app:Hunter2-Secret@db:5432/shop';
    const { notify, redactor } = notifier(config());
    redactor.add(dbUrl);
    await notify(event('failure', { details: `connect ${dbUrl} refused; password Hunter2-Secret` }));
    expect(redactor.redact(`posting to ${hooks.url}/hooks/orixoon-token-123`)).toBe('posting to ***');
    const body = hooks.received[0]!.rawBody;
    expect(body).toContain('refused');
    expect(body).not.toContain('Hunter2-Secret');
  });

  it('warns once about unsupported channels and channels without a URL; sends nothing for them', async () => {
    const { notify, lines } = notifier(
      config({ notification_channels: ['email', 'slack'], webhook_url: undefined }),
      {},
    );
    expect(lines.filter((l) => l.startsWith('⚠️'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('WARNING'))).toEqual([
      "WARNING: Notification channel 'email' is not supported (use slack or webhook); it is ignored",
      'WARNING: slack notifications disabled: set notifications.slack_webhook_url or ORIXOON_SLACK_WEBHOOK_URL',
    ]);
    await notify(event('failure'));
    expect(hooks.received).toHaveLength(0);
  });

  it('an unexpanded ${VAR} URL disables the channel with a clear warning', async () => {
    const { notify, lines } = notifier(config({ webhook_url: '${MISSING_HOOK}' }), {});
    expect(lines[1]).toBe(
      'WARNING: webhook notifications disabled: notifications.webhook_url is not an http(s) URL (an unset ${VAR}?)',
    );
    await notify(event('failure'));
    expect(hooks.received).toHaveLength(0);
  });
});
