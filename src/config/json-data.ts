// Reads a JSON config file as JSON with comments (a hand-written healing_config.json often has `//` comments),
// into the same null-prototype data the YAML reader produces, with the same refusals: prototype keys,
// duplicate keys, nesting deeper than any real config, non-finite numbers. Trailing commas are
// errors, at their position. Offsets come from the parse tree, so every problem has a line and column.
import {
  createScanner,
  findNodeAtLocation,
  parseTree,
  printParseErrorCode,
  type Node as JsonNode,
  type ParseError,
} from 'jsonc-parser';
import { MAX_CONFIG_DEPTH, MAX_PROBLEMS } from './limits.js';
import { FORBIDDEN_KEYS, type DataProblem, type PathSeg } from './yaml-data.js';

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read: its values.
const SyntaxKind = {
  OpenBraceToken: 1,
  CloseBraceToken: 2,
  OpenBracketToken: 3,
  CloseBracketToken: 4,
  CommaToken: 5,
  LineCommentTrivia: 12,
  BlockCommentTrivia: 13,
  LineBreakTrivia: 14,
  Trivia: 15,
  EOF: 17,
} as const;

export interface JsonSyntaxProblem {
  offset: number;
  message: string;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected text: a value is a "string", a number, true, false, null, an object or a list',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'a key in double quotes is expected here',
  ValueExpected: 'a value is expected here',
  ColonExpected: 'a colon (:) is expected after the key',
  CommaExpected: 'a comma is missing before this entry',
  CloseBraceExpected: 'a closing } is missing',
  CloseBracketExpected: 'a closing ] is missing',
  EndOfFileExpected: 'text after the end of the JSON value',
  InvalidCommentToken: 'a comment is not closed (*/ is missing)',
  UnexpectedEndOfComment: 'a comment is not closed (*/ is missing)',
  UnexpectedEndOfString: 'a string is not closed (" is missing)',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'an invalid \\u escape in a string',
  InvalidEscapeCharacter: 'an invalid escape in a string',
  InvalidCharacter: 'an invalid character in a string (control characters must be escaped)',
};

/** Offset of the `,` just before `offset` (skipping whitespace and comments), or -1. */
function trailingCommaBefore(text: string, offset: number): number {
  const scanner = createScanner(text, false);
  let lastComma = -1;
  let lastToken: number = -1;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (scanner.getTokenOffset() >= offset) break;
    if (
      kind === SyntaxKind.Trivia ||
      kind === SyntaxKind.LineBreakTrivia ||
      kind === SyntaxKind.LineCommentTrivia ||
      kind === SyntaxKind.BlockCommentTrivia
    )
      continue;
    lastToken = kind;
    if (kind === SyntaxKind.CommaToken) lastComma = scanner.getTokenOffset();
  }
  return lastToken === SyntaxKind.CommaToken ? lastComma : -1;
}

/** The first syntax error only: the ones after it follow from it. */
function syntaxProblem(text: string, error: ParseError): JsonSyntaxProblem {
  const code = printParseErrorCode(error.error);
  const at = text[error.offset];
  if ((code === 'PropertyNameExpected' || code === 'ValueExpected') && (at === '}' || at === ']')) {
    const comma = trailingCommaBefore(text, error.offset);
    if (comma >= 0)
      return { offset: comma, message: 'trailing comma: remove the comma after the last entry' };
  }
  if (code === 'InvalidSymbol') {
    const token = text.slice(error.offset, error.offset + Math.min(error.length, 40));
    return { offset: error.offset, message: `unexpected "${token}": ${SYNTAX_MESSAGES[code]}` };
  }
  return { offset: error.offset, message: SYNTAX_MESSAGES[code] ?? code };
}

/** Offset where nesting first goes deeper than the limit (the parser recurses per level), or -1. */
function tooDeepAt(text: string): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_CONFIG_DEPTH) return scanner.getTokenOffset();
    } else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) depth--;
  }
  return -1;
}

export interface JsonDocument {
  root: JsonNode | undefined;
  syntax: JsonSyntaxProblem | undefined;
  value: unknown;
  problems: DataProblem[];
}

export function parseJsonData(text: string): JsonDocument {
  const deep = tooDeepAt(text);
  if (deep >= 0)
    return {
      root: undefined,
      syntax: undefined,
      value: null,
      problems: [
        {
          path: [],
          offset: deep,
          message: `nested deeper than ${MAX_CONFIG_DEPTH} levels: no config needs that`,
        },
      ],
    };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length) return { root, syntax: syntaxProblem(text, errors[0]!), value: null, problems: [] };

  const problems: DataProblem[] = [];
  const report = (path: PathSeg[], offset: number, message: string): void => {
    if (problems.length <= MAX_PROBLEMS) problems.push({ path, offset, message });
  };
  const convert = (node: JsonNode | undefined, path: PathSeg[]): unknown => {
    if (!node) return null;
    if (node.type === 'object') {
      const out = Object.create(null) as Record<string, unknown>;
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (!keyNode) continue;
        const key = String(keyNode.value);
        if (FORBIDDEN_KEYS.has(key)) {
          report(
            [...path, key],
            keyNode.offset,
            `"${key}" is not allowed as a key (it would change how the config is read): remove it`,
          );
          continue;
        }
        if (key in out) {
          report(
            [...path, key],
            keyNode.offset,
            `duplicate key "${key}": each key may appear once in an object`,
          );
          continue;
        }
        out[key] = convert(valueNode, [...path, key]);
      }
      return out;
    }
    if (node.type === 'array') return (node.children ?? []).map((c, i) => convert(c, [...path, i]));
    if (node.type === 'number' && !Number.isFinite(node.value)) {
      report(path, node.offset, `expected a finite number, got ${String(node.value)}`);
      return null;
    }
    return node.value as unknown;
  };
  const value = convert(root, []);
  return { root, syntax: undefined, value, problems };
}

/** Offset of the value at `path` (or, with `key`, of that key in the object at `path`). */
export function jsonOffset(
  root: JsonNode | undefined,
  path: readonly PathSeg[],
  key?: string,
): number | undefined {
  if (!root) return undefined;
  const node = findNodeAtLocation(root, [...path]);
  if (!node) return undefined;
  if (key !== undefined && node.type === 'object') {
    const prop = node.children?.find((p) => p.children?.[0]?.value === key);
    if (prop?.children?.[0]) return prop.children[0].offset;
  }
  return node.offset;
}
