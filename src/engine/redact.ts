// Secrets never reach logs, reports, the job summary or comments. Every writer passes its text
// through one Redactor; `core.setSecret` covers the runner's own log on top of that.

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi;
const MASK = '***';

export class Redactor {
  private readonly secrets = new Set<string>();
  private readonly onAdd?: (secret: string) => void;

  constructor(onAdd?: (secret: string) => void) {
    this.onAdd = onAdd;
  }

  /** Registers a secret value; short values (< 4 chars) would mask ordinary text and are ignored. */
  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 4 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.onAdd?.(secret);
    // A connection string's password is a secret of its own (it may appear decoded elsewhere).
    for (const m of secret.matchAll(URL_PASSWORD)) {
      const pw = m[2];
      this.add(pw);
      try {
        this.add(decodeURIComponent(pw));
      } catch {
        /* not URI-encoded */
      }
    }
  }

  redact(text: string): string {
    let out = text.replace(URL_PASSWORD, `$1${MASK}$3`);
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }

  /** Deep-redacts every string of a JSON-like value. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.redactValue(v);
      return out as T;
    }
    return value;
  }
}
