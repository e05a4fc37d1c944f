// HTTP endpoints (health URLs). The only place that makes HTTP probes: one GET with a hard timeout,
// the status, the latency and the start of the body. Knows nothing of expectations.

export interface HttpProbeOptions {
  timeoutMs: number;
  /** The run's deadline signal. */
  signal?: AbortSignal;
  /** Bytes of the body read (the rest is discarded). Default 64 KiB. */
  maxBodyBytes?: number;
  headers?: Record<string, string>;
}

export interface HttpProbeResult {
  status: number;
  /** Time from the request to the end of the (bounded) body read. */
  latencyMs: number;
  body: string;
  bodyTruncated: boolean;
  contentType: string | null;
  /** Location header of a redirect (redirects are not followed: the endpoint's own answer counts). */
  location: string | null;
}

export type HttpFailureKind = 'timeout' | 'aborted' | 'refused' | 'dns' | 'reset' | 'other';

/** A probe that got no HTTP answer at all. */
export class HttpProbeError extends Error {
  constructor(
    message: string,
    readonly kind: HttpFailureKind,
    readonly latencyMs: number,
  ) {
    super(message);
    this.name = 'HttpProbeError';
  }
}

/** `http://host:port/path` without credentials, query or fragment: safe for messages and evidence. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

function classify(
  err: unknown,
  timedOut: boolean,
  aborted: boolean,
): { kind: HttpFailureKind; text: string } {
  if (timedOut) return { kind: 'timeout', text: 'timed out' };
  if (aborted) return { kind: 'aborted', text: 'stopped: the run deadline passed' };
  const code = causeCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'refused', text: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'dns', text: 'host not found' };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { kind: 'reset', text: 'connection reset' };
    default: {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
      return { kind: 'other', text: cause ?? (err instanceof Error ? err.message : String(err)) };
    }
  }
}

async function readBounded(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= max) {
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return { text: Buffer.concat(chunks).subarray(0, max).toString('utf8'), truncated };
}

/** One GET. Throws HttpProbeError (naming the URL, never its credentials) when no answer came. */
export async function httpProbe(url: string, options: HttpProbeOptions): Promise<HttpProbeResult> {
  const where = displayUrl(url);
  const headers: Record<string, string> = { 'user-agent': 'orixoon', ...options.headers };
  let target = url;
  try {
    // fetch refuses URLs with credentials: send them as Basic auth instead.
    const u = new URL(url);
    if (u.username || u.password) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      u.username = '';
      u.password = '';
      target = u.toString();
    }
  } catch {
    throw new HttpProbeError(`HTTP endpoint ${where}: not a valid URL`, 'other', 0);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const started = performance.now();
  try {
    const res = await fetch(target, { method: 'GET', headers, signal, redirect: 'manual' });
    const { text, truncated } = await readBounded(res, options.maxBodyBytes ?? 64 * 1024);
    return {
      status: res.status,
      latencyMs: Math.round(performance.now() - started),
      body: text,
      bodyTruncated: truncated,
      contentType: res.headers.get('content-type'),
      location: res.headers.get('location'),
    };
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const { kind, text } = classify(err, timeout.aborted, options.signal?.aborted ?? false);
    const detail = kind === 'timeout' ? `timed out after ${options.timeoutMs} ms` : text;
    throw new HttpProbeError(`HTTP endpoint ${where}: ${detail}`, kind, latencyMs);
  }
}
