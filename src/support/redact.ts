// Secrets never reach logs, reports, the job summary, comments or webhooks. Every writer passes its
// text through one Redactor; `core.setSecret` covers the runner's own log on top of that.
//
// How a value is masked depends on its length, so that masking never blanks out ordinary text:
//   - 8 characters or more: wherever it appears, also inside longer words;
//   - 3 to 7 characters: only where it stands as a token of its own (no letter or digit right before
//     or after it), so `8000` is masked in `port=8000` but not in `18000 ms`;
//   - 1 or 2 characters: not at all (masking every `a` would ruin the report and still give the
//     value away); the caller is told, to warn the user.
// Each value is also masked in its URL-encoded, JSON-escaped and base64 forms. Inside a longer base64
// string (`Authorization: Basic base64(user:password)`) a value can start at any of three byte
// offsets; the characters that encode it at each offset are searched for, and the whole base64 word
// that holds one is masked (those characters leave out a few bits at the value's edges, so a value
// differing from the secret only there is masked too: over-masking, never a leak). `Authorization: Basic|Bearer|Token …` headers and URL passwords are masked
// whatever their value.

const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^:/?#@\s]*):([^@\s/]+)@/gi;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi;
const AUTH_HEADER =
  /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token|digest|negotiate)\s+)[A-Za-z0-9+/=._~-]+/gi;
/** A word of base64 (standard or URL alphabet); masked whole when it encodes a secret. */
const BASE64_WORD = /[A-Za-z0-9+/_-]{6,}={0,2}/g;
const MASK = '***';

/** Values shorter than this are not masked at all. */
export const MIN_MASKED_LENGTH = 3;
/** Values at least this long are masked anywhere; shorter ones only as a token of their own. */
export const MASKED_ANYWHERE_LENGTH = 8;
/** A base64 fragment shorter than this could match unrelated base64 or text: not searched for. */
const MIN_BASE64_FRAGMENT = 6;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The characters of base64 that encode `value` alone when it starts `shift` bytes (0, 1 or 2) into
 * a 3-byte group: the ones that mix in bits of the bytes before or after are left out.
 */
export function base64Fragment(value: Buffer, shift: 0 | 1 | 2, url = false): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), value]).toString(url ? 'base64url' : 'base64');
  const start = Math.ceil((8 * shift) / 6);
  const end = Math.floor((8 * (shift + value.length)) / 6);
  return end > start ? encoded.slice(start, end) : '';
}

/** Forms a value takes in text: as is, URL-encoded (both hex cases, `+` for spaces), JSON-escaped, base64. */
function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const uri = encodeURIComponent(value);
  const lower = uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  for (const u of [uri, lower]) {
    forms.add(u);
    forms.add(u.replace(/%20/g, '+'));
  }
  forms.add(JSON.stringify(value).slice(1, -1));
  const bytes = Buffer.from(value);
  forms.add(bytes.toString('base64'));
  forms.add(bytes.toString('base64url'));
  return [...forms].filter(Boolean);
}

interface Compiled {
  /** Texts to mask, longest first, each with its pattern. */
  patterns: Array<{ text: string; source: string }>;
  fragments: string[];
}

export class Redactor {
  /** Every value ever given to `add`. */
  private readonly seen = new Set<string>();
  /** Text to mask → true when only as a token of its own. */
  private readonly patterns = new Map<string, boolean>();
  private readonly fragments = new Set<string>();
  private readonly tooShort: string[] = [];
  private compiled?: Compiled;
  private readonly regexCache = new Map<string, RegExp>();
  private readonly onAdd?: (secret: string) => void;

  /**
   * `onAdd` is told each value masked anywhere (8+ characters), e.g. `core.setSecret`: the runner
   * masks substrings, which for a shorter value would blank out parts of ordinary words.
   */
  constructor(onAdd?: (secret: string) => void) {
    this.onAdd = onAdd;
  }

  /**
   * Registers a secret value. `label` names where it came from (a variable name, never the value) for
   * the warning when it is too short to mask.
   */
  add(secret: string | undefined | null, label?: string): void {
    if (!secret || this.seen.has(secret)) return;
    this.seen.add(secret);
    // A connection string's password is a secret of its own (raw and decoded), and so is the
    // `user:password` pair that basic auth sends base64-encoded.
    for (const m of secret.matchAll(URL_USERINFO)) {
      const [user = '', password = ''] = [m[1], m[2]];
      let decoded = password;
      try {
        decoded = decodeURIComponent(password);
      } catch {
        /* not URI-encoded */
      }
      for (const pw of new Set([password, decoded])) {
        this.add(pw, label);
        if (user) this.add(`${safeDecode(user)}:${pw}`, label);
      }
    }
    // A multi-line value (a key file) is also masked line by line.
    if (/[\r\n]/.test(secret)) {
      for (const line of secret.split(/\r?\n/)) if (line.trim()) this.add(line.trim(), label);
    }
    if (secret.length < MIN_MASKED_LENGTH) {
      this.tooShort.push(label ?? `a ${secret.length}-character value`);
      return;
    }
    const tokenOnly = secret.length < MASKED_ANYWHERE_LENGTH;
    for (const form of encodedForms(secret)) {
      // A longer encoded form (base64 of a short value) is still matched as a token only.
      if (!this.patterns.has(form) || this.patterns.get(form)) this.patterns.set(form, tokenOnly);
    }
    const bytes = Buffer.from(secret);
    for (const shift of [0, 1, 2] as const) {
      for (const url of [false, true]) {
        const fragment = base64Fragment(bytes, shift, url);
        if (fragment.length >= MIN_BASE64_FRAGMENT) this.fragments.add(fragment);
      }
    }
    this.compiled = undefined;
    this.regexCache.clear();
    if (!tokenOnly) this.onAdd?.(secret);
  }

  /** Where the values too short to mask came from (labels, never values), for a warning. */
  get refused(): readonly string[] {
    return this.tooShort;
  }

  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    // Longest first, so a secret that contains another is masked whole.
    const patterns = [...this.patterns.entries()]
      .sort((a, b) => b[0].length - a[0].length)
      .map(([text, tokenOnly]) => ({
        text,
        source: tokenOnly ? `(?<![A-Za-z0-9])${escapeRegExp(text)}(?![A-Za-z0-9])` : escapeRegExp(text),
      }));
    this.compiled = { patterns, fragments: [...this.fragments] };
    return this.compiled;
  }

  /** One regular expression for a set of present values (cached: the same few recur in every line). */
  private patternFor(present: Compiled['patterns']): RegExp {
    const key = present.map((p) => p.source).join('|');
    let re = this.regexCache.get(key);
    if (!re) {
      if (this.regexCache.size >= 256) this.regexCache.clear();
      re = new RegExp(key, 'g');
      this.regexCache.set(key, re);
    }
    re.lastIndex = 0;
    return re;
  }

  redact(text: string): string {
    const { patterns, fragments } = this.compile();
    let out = text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(AUTH_HEADER, `$1${MASK}`);
    // Only the values that occur in this text go into the pattern (a plain substring search first).
    const present = patterns.filter((p) => out.includes(p.text));
    if (present.length) out = out.replace(this.patternFor(present), MASK);
    const encoded = fragments.filter((f) => out.includes(f));
    if (encoded.length) {
      out = out.replace(BASE64_WORD, (word) => (encoded.some((f) => word.includes(f)) ? MASK : word));
    }
    return out;
  }

  /** Deep-redacts every string (and object key) of a JSON-like value. */
  redactValue<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.redactValue(v);
      return out as T;
    }
    return value;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
