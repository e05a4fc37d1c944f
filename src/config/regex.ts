// Regular expressions written by users (pattern files, `error_pattern`, Redis key globs) run on RE2's
// linear-time engine: no log line or key can make a pattern backtrack for minutes, whatever the run's
// deadline. RE2 syntax is JavaScript's without backreferences and lookaround; both are refused at load
// with the position of the construct, never run on a backtracking engine instead.
import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';

/** Anything that answers "does this text contain a match" (RE2JS here; a RegExp in older callers). */
export interface TextMatcher {
  test(text: string): boolean;
}

/** Flags a pattern may carry: i (case), m (^/$ per line), s (. matches newline), u (accepted; RE2 is Unicode-aware). */
export const REGEX_FLAGS = /^[imsu]*$/;

export class RegexError extends Error {
  constructor(
    message: string,
    /** 0-based index in the pattern where the problem starts, when known. */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'RegexError';
  }
}

const ENGINE = 'patterns run on a linear-time engine (RE2 syntax)';

/** Backreferences and lookaround, found by a scan that skips escapes and character classes. */
function unsupportedConstruct(source: string): RegexError | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next))
        return new RegexError(
          `backreference \`\\${next}\` at character ${i + 1} is not supported: ${ENGINE} without backreferences; match the text itself instead`,
          i,
        );
      if (!inClass && next === 'k' && source[i + 2] === '<')
        return new RegexError(
          `named backreference \`\\k<…>\` at character ${i + 1} is not supported: ${ENGINE} without backreferences; match the text itself instead`,
          i,
        );
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
    } else if (c === '(' && source[i + 1] === '?') {
      const head = source.slice(i, i + 4);
      const kind = head.startsWith('(?=')
        ? 'lookahead `(?=`'
        : head.startsWith('(?!')
          ? 'negative lookahead `(?!`'
          : head.startsWith('(?<=')
            ? 'lookbehind `(?<=`'
            : head.startsWith('(?<!')
              ? 'negative lookbehind `(?<!`'
              : undefined;
      if (kind)
        return new RegexError(
          `${kind} at character ${i + 1} is not supported: ${ENGINE} without lookaround; match the surrounding text instead`,
          i,
        );
    }
  }
  return undefined;
}

function flagBits(flags: string): number {
  if (!REGEX_FLAGS.test(flags)) throw new RegexError(`flags "${flags}": only i, m, s and u are allowed`);
  let bits = 0;
  if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) bits |= RE2JS.MULTILINE;
  if (flags.includes('s')) bits |= RE2JS.DOTALL;
  return bits;
}

/** Compiles a user pattern for linear-time matching; throws RegexError saying what and where. */
export function compileRegex(source: string, flags = ''): TextMatcher {
  const unsupported = unsupportedConstruct(source);
  if (unsupported) throw unsupported;
  const bits = flagBits(flags);
  try {
    return RE2JS.compile(source, bits);
  } catch (err) {
    if (err instanceof RE2JSSyntaxException) {
      const fragment = err.getPattern();
      const at = fragment ? source.indexOf(fragment) : -1;
      const hint = fragment?.startsWith('\\u') ? ' (write \\x{00e9} for the character U+00E9)' : '';
      throw new RegexError(
        `${err.getDescription()}${fragment ? ` \`${fragment}\`` : ''}${at >= 0 ? ` at character ${at + 1}` : ''}${hint}`,
        at >= 0 ? at : undefined,
      );
    }
    if (err instanceof RE2JSException) throw new RegexError(err.message);
    throw err;
  }
}

/** Why a pattern cannot be used, or undefined when it compiles. */
export function regexProblem(source: string, flags = ''): RegexError | undefined {
  try {
    compileRegex(source, flags);
    return undefined;
  } catch (err) {
    if (err instanceof RegexError) return err;
    throw err;
  }
}

/** Escapes one character for use as a literal in RE2 syntax (inside or outside a class). */
export function literal(c: string): string {
  return /^[!-/:-@[-`{-~]$/.test(c) ? `\\${c}` : c;
}
