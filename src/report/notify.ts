// Healing notifications: a Slack incoming webhook and a generic JSON webhook, per the config's
// `notifications` block (the documented keys). A notification never changes the verdict: a failing or
// silent webhook is retried once, then logged as a warning. Webhook URLs are secrets: they are
// registered with the redactor and never logged.
import type { OrixoonConfig } from '../config/schema.js';
import type { Logger } from '../support/logger.js';
import type { Redactor } from '../support/redact.js';
import type { HealingEvent } from './model.js';
import { readGitHubContext } from '../github/context.js';

export type NotificationsConfig = OrixoonConfig['notifications'];
export type NotificationChannel = 'slack' | 'webhook';
export type NotificationEventName = 'healing_attempt' | 'healing_success' | 'healing_failure';

/** The generic webhook's JSON body. */
export interface WebhookPayload {
  event: NotificationEventName;
  finding: {
    code: string;
    check_id: string;
    target: string;
    message: string;
    severity: 'error' | 'warning';
    evidence: Record<string, unknown>;
  };
  action: string;
  attempt: number;
  details: string;
  timestamp: string;
  repository?: string;
  sha?: string;
  run_url?: string;
}

export interface SlackPayload {
  text: string;
  blocks?: Array<Record<string, unknown>>;
}

const EVENT_NAME: Record<HealingEvent['kind'], NotificationEventName> = {
  attempt: 'healing_attempt',
  success: 'healing_success',
  failure: 'healing_failure',
};

const SUPPORTED: readonly NotificationChannel[] = ['slack', 'webhook'];

export function webhookPayload(
  e: HealingEvent,
  run: { repository?: string; sha?: string; runUrl?: string } = {},
): WebhookPayload {
  return {
    event: EVENT_NAME[e.kind],
    finding: {
      code: e.finding.code,
      check_id: e.finding.checkId,
      target: e.finding.target,
      message: e.finding.message,
      severity: e.finding.severity,
      evidence: e.finding.evidence,
    },
    action: e.action,
    attempt: e.attempt,
    details: e.details,
    timestamp: e.timestamp,
    ...(run.repository ? { repository: run.repository } : {}),
    ...(run.sha ? { sha: run.sha } : {}),
    ...(run.runUrl ? { run_url: run.runUrl } : {}),
  };
}

/** Slack mrkdwn needs &, < and > escaped. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(
  e: HealingEvent,
  run: { repository?: string; sha?: string; runUrl?: string } = {},
): SlackPayload {
  const msg = e.finding.message;
  const text =
    e.kind === 'attempt'
      ? `🔧 HEALING: ${msg}: running ${e.action} (attempt ${e.attempt})`
      : e.kind === 'success'
        ? `✅ HEALED: ${msg}: ${e.details}`
        : `❌ HEALING FAILED: ${msg}: ${e.action} attempt ${e.attempt}: ${e.details}`;
  const context = [
    run.repository ? `*${slackEscape(run.repository)}*` : undefined,
    run.sha ? `\`${run.sha.slice(0, 7)}\`` : undefined,
    run.runUrl ? `<${run.runUrl}|workflow run>` : undefined,
    `check \`${slackEscape(e.finding.checkId)}\``,
    e.timestamp,
  ].filter(Boolean) as string[];
  return {
    text: `Orixoon ${text}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

function usableUrl(raw: string | undefined): string | undefined {
  if (!raw || /\$\{[^}]*\}/.test(raw)) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || u.protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

function failureReason(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return `no answer within ${timeoutMs / 1000} s`;
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string')
      return cause.code;
    return err.message;
  }
  return String(err);
}

/** POSTs JSON once; resolves with an error text, or undefined on a 2xx answer. */
async function postOnce(
  url: string,
  body: string,
  timeoutMs: number,
): Promise<{ error?: string; retry: boolean }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'orixoon-action' },
      body,
      signal,
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { retry: false };
    return { error: `HTTP ${res.status}`, retry: res.status >= 500 || res.status === 429 };
  } catch (err) {
    return { error: failureReason(err, timeoutMs, signal), retry: true };
  }
}

export function createNotifier(
  cfg: NotificationsConfig,
  deps: { redactor: Redactor; log: Logger; env: NodeJS.ProcessEnv },
): (e: HealingEvent) => Promise<void> {
  const { redactor, log, env } = deps;
  // Console line (the runner's log) and healing-log event (healing_actions.log).
  const warn = (message: string): void => {
    log.say(`⚠️ ${message}`);
    log.warn(message);
  };
  const rawSlack = cfg.slack_webhook_url || env.ORIXOON_SLACK_WEBHOOK_URL || undefined;
  const rawWebhook = cfg.webhook_url || env.ORIXOON_WEBHOOK_URL || undefined;
  redactor.add(rawSlack);
  redactor.add(rawWebhook);
  const urls: Record<NotificationChannel, string | undefined> = {
    slack: usableUrl(rawSlack),
    webhook: usableUrl(rawWebhook),
  };

  const listed = cfg.notification_channels.map((c) => c.trim().toLowerCase()).filter(Boolean);
  // Without a channel list, every channel that has a URL is used.
  const wanted = listed.length ? listed : SUPPORTED.filter((c) => (c === 'slack' ? rawSlack : rawWebhook));
  const channels: NotificationChannel[] = [];
  for (const name of new Set(wanted)) {
    if (!SUPPORTED.includes(name as NotificationChannel)) {
      warn(`Notification channel '${name}' is not supported (use slack or webhook); it is ignored`);
      continue;
    }
    const channel = name as NotificationChannel;
    const key = channel === 'slack' ? 'slack_webhook_url' : 'webhook_url';
    const envName = channel === 'slack' ? 'ORIXOON_SLACK_WEBHOOK_URL' : 'ORIXOON_WEBHOOK_URL';
    if (!urls[channel]) {
      const raw = channel === 'slack' ? rawSlack : rawWebhook;
      warn(
        raw
          ? `${channel} notifications disabled: notifications.${key} is not an http(s) URL (an unset \${VAR}?)`
          : `${channel} notifications disabled: set notifications.${key} or ${envName}`,
      );
      continue;
    }
    channels.push(channel);
  }

  const enabled: Record<HealingEvent['kind'], boolean> = {
    attempt: cfg.notify_on_healing_attempt,
    success: cfg.notify_on_healing_success,
    failure: cfg.notify_on_healing_failure,
  };
  const timeoutMs = Math.max(100, Math.round(cfg.timeout_seconds * 1000));
  const gh = readGitHubContext(env);
  const run = { repository: gh.repository, sha: gh.sha, runUrl: gh.runUrl };

  async function send(channel: NotificationChannel, e: HealingEvent): Promise<void> {
    const url = urls[channel];
    if (!url) return;
    const payload = channel === 'slack' ? slackPayload(e, run) : webhookPayload(e, run);
    const body = JSON.stringify(redactor.redactValue(payload));
    let attempts = 1;
    let result = await postOnce(url, body, timeoutMs);
    if (result.error && result.retry) {
      attempts = 2;
      result = await postOnce(url, body, timeoutMs);
    }
    if (result.error) {
      warn(
        `${channel} notification (${EVENT_NAME[e.kind]}) not delivered after ${attempts} attempt${attempts > 1 ? 's' : ''}: ${result.error}`,
      );
    } else {
      log.debug(`${channel} notification sent: ${EVENT_NAME[e.kind]} for ${e.finding.checkId}`);
    }
  }

  return async (e) => {
    if (!channels.length || !enabled[e.kind]) return;
    try {
      await Promise.all(channels.map((c) => send(c, e)));
    } catch (err) {
      // send() handles its own failures; this is a last guard so a notification can never throw.
      warn(`Notification failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}
