import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/support/redact.ts
var URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^:/?#@\s]*):([^@\s/]+)@/gi;
var URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi;
var AUTH_HEADER = /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token|digest|negotiate)\s+)[A-Za-z0-9+/=._~-]+/gi;
var BASE64_WORD = /[A-Za-z0-9+/_-]{6,}={0,2}/g;
var MASK = "***";
var MIN_MASKED_LENGTH = 3;
var MASKED_ANYWHERE_LENGTH = 8;
var MIN_BASE64_FRAGMENT = 6;
function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function base64Fragment(value, shift, url = false) {
  const encoded = Buffer.concat([Buffer.alloc(shift), value]).toString(url ? "base64url" : "base64");
  const start = Math.ceil(8 * shift / 6);
  const end = Math.floor(8 * (shift + value.length) / 6);
  return end > start ? encoded.slice(start, end) : "";
}
function encodedForms(value) {
  const forms = /* @__PURE__ */ new Set([value]);
  const uri = encodeURIComponent(value);
  const lower = uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  for (const u of [uri, lower]) {
    forms.add(u);
    forms.add(u.replace(/%20/g, "+"));
  }
  forms.add(JSON.stringify(value).slice(1, -1));
  const bytes = Buffer.from(value);
  forms.add(bytes.toString("base64"));
  forms.add(bytes.toString("base64url"));
  return [...forms].filter(Boolean);
}
var Redactor = class {
  /** Every value ever given to `add`. */
  seen = /* @__PURE__ */ new Set();
  /** Text to mask → true when only as a token of its own. */
  patterns = /* @__PURE__ */ new Map();
  fragments = /* @__PURE__ */ new Set();
  tooShort = [];
  compiled;
  regexCache = /* @__PURE__ */ new Map();
  onAdd;
  /**
   * `onAdd` is told each value masked anywhere (8+ characters), e.g. `core.setSecret`: the runner
   * masks substrings, which for a shorter value would blank out parts of ordinary words.
   */
  constructor(onAdd) {
    this.onAdd = onAdd;
  }
  /**
   * Registers a secret value. `label` names where it came from (a variable name, never the value) for
   * the warning when it is too short to mask.
   */
  add(secret, label) {
    if (!secret || this.seen.has(secret)) return;
    this.seen.add(secret);
    for (const m of secret.matchAll(URL_USERINFO)) {
      const [user = "", password = ""] = [m[1], m[2]];
      let decoded = password;
      try {
        decoded = decodeURIComponent(password);
      } catch {
      }
      for (const pw of /* @__PURE__ */ new Set([password, decoded])) {
        this.add(pw, label);
        if (user) this.add(`${safeDecode(user)}:${pw}`, label);
      }
    }
    if (/[\r\n]/.test(secret)) {
      for (const line of secret.split(/\r?\n/)) if (line.trim()) this.add(line.trim(), label);
    }
    if (secret.length < MIN_MASKED_LENGTH) {
      this.tooShort.push(label ?? `a ${secret.length}-character value`);
      return;
    }
    const tokenOnly = secret.length < MASKED_ANYWHERE_LENGTH;
    for (const form of encodedForms(secret)) {
      if (!this.patterns.has(form) || this.patterns.get(form)) this.patterns.set(form, tokenOnly);
    }
    const bytes = Buffer.from(secret);
    for (const shift of [0, 1, 2]) {
      for (const url of [false, true]) {
        const fragment = base64Fragment(bytes, shift, url);
        if (fragment.length >= MIN_BASE64_FRAGMENT) this.fragments.add(fragment);
      }
    }
    this.compiled = void 0;
    this.regexCache.clear();
    if (!tokenOnly) this.onAdd?.(secret);
  }
  /** Where the values too short to mask came from (labels, never values), for a warning. */
  get refused() {
    return this.tooShort;
  }
  compile() {
    if (this.compiled) return this.compiled;
    const patterns = [...this.patterns.entries()].sort((a, b) => b[0].length - a[0].length).map(([text, tokenOnly]) => ({
      text,
      source: tokenOnly ? `(?<![A-Za-z0-9])${escapeRegExp(text)}(?![A-Za-z0-9])` : escapeRegExp(text)
    }));
    this.compiled = { patterns, fragments: [...this.fragments] };
    return this.compiled;
  }
  /** One regular expression for a set of present values (cached: the same few recur in every line). */
  patternFor(present) {
    const key = present.map((p) => p.source).join("|");
    let re = this.regexCache.get(key);
    if (!re) {
      if (this.regexCache.size >= 256) this.regexCache.clear();
      re = new RegExp(key, "g");
      this.regexCache.set(key, re);
    }
    re.lastIndex = 0;
    return re;
  }
  redact(text) {
    const { patterns, fragments } = this.compile();
    let out = text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(AUTH_HEADER, `$1${MASK}`);
    const present = patterns.filter((p) => out.includes(p.text));
    if (present.length) out = out.replace(this.patternFor(present), MASK);
    const encoded = fragments.filter((f) => out.includes(f));
    if (encoded.length) {
      out = out.replace(BASE64_WORD, (word) => encoded.some((f) => word.includes(f)) ? MASK : word);
    }
    return out;
  }
  /** Deep-redacts every string (and object key) of a JSON-like value. */
  redactValue(value) {
    if (typeof value === "string") return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v));
    if (value && typeof value === "object" && !(value instanceof Date)) {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.redactValue(v);
      return out;
    }
    return value;
  }
};
function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export {
  MIN_MASKED_LENGTH,
  Redactor
};
