// The pattern file of a logs check: {patterns: [{name, regex, severity, description, fix}]}. Every
// problem names the file, the line and column of the offending value, and its key; a regex that the
// linear-time engine cannot run is refused here, before any log line is read.
import { readFile } from 'node:fs/promises';
import { LineCounter, isScalar, parseDocument, type Node } from 'yaml';
import * as z from 'zod';
import { REGEX_FLAGS, regexProblem } from './regex.js';
import { MAX_COUNT, MAX_SECONDS } from './limits.js';

const patternFix = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('restart'),
    container: z.string().min(1).optional().describe("Default: the logs check's container."),
  }),
  z.strictObject({
    type: z.literal('command'),
    run: z.string().min(1).describe('Shell command (bash -c) that fixes the cause.'),
    backup: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Files copied before the fix and restored when it does not work. Symbolic links are refused: name the file they point to.',
      ),
    verify: z
      .string()
      .min(1)
      .optional()
      .describe('Shell command; exit 0 = fixed. Without it: no new matching lines since the fix.'),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe('Relative to the pattern file. Default: the directory Orixoon runs in.'),
    timeout_seconds: z.number().positive().max(MAX_SECONDS).default(60),
  }),
  z.strictObject({
    type: z.literal('manual'),
    advice: z.string().min(1),
  }),
]);
export type PatternFix = z.infer<typeof patternFix>;

export const errorPatternSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits and - _ . :'),
    regex: z
      .string()
      .min(1)
      .describe('RE2 syntax (JavaScript regex syntax without backreferences or lookaround).'),
    flags: z.string().regex(REGEX_FLAGS, 'only the flags i, m, s and u').optional(),
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('error'),
    description: z.string().optional(),
    risk: z.enum(['low', 'medium', 'high']).optional(),
    min_matches: z.number().int().positive().max(MAX_COUNT).default(1),
    fix: patternFix.optional().describe('Without a fix the pattern is reported for manual intervention.'),
  })
  .superRefine((p, ctx) => {
    // A missing regex or bad flags are reported by their own keys.
    if (typeof p.regex !== 'string' || !REGEX_FLAGS.test(p.flags ?? '')) return;
    const problem = regexProblem(p.regex, p.flags);
    if (!problem) return;
    ctx.addIssue({
      code: 'custom',
      path: ['regex'],
      message: `regex does not compile: ${problem.message}`,
      params: problem.index !== undefined ? { index: problem.index } : undefined,
    });
  });
export type ErrorPattern = z.infer<typeof errorPatternSchema>;

export const patternsFileSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.union([z.number(), z.string()]).optional(),
  patterns: z.array(errorPatternSchema),
});

/** Finds where a value sits in the file's text (JSON is YAML, so the YAML parser knows every range). */
class PatternFileLocator {
  private readonly lines = new LineCounter();
  private readonly doc;
  constructor(private readonly text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines });
  }

  /** `line L, column C` of the node at `path` (or its nearest parent); with `index`, that character of a string. */
  at(path: ReadonlyArray<string | number>, index?: number): string | undefined {
    for (let n = path.length; n >= 0; n--) {
      const node = (n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true)) as Node | null;
      if (!node?.range) continue;
      let offset = node.range[0];
      if (n === path.length && index !== undefined && isScalar(node) && this.text[offset] === '"')
        offset = this.insideString(offset, index);
      const { line, col } = this.lines.linePos(offset);
      return `line ${line}, column ${col}`;
    }
    return undefined;
  }

  /** Offset in the text of character `index` of the JSON string starting at `quote` (escapes counted). */
  private insideString(quote: number, index: number): number {
    let j = quote + 1;
    for (let k = 0; k < index && j < this.text.length; k++)
      j += this.text[j] === '\\' ? (this.text[j + 1] === 'u' ? 6 : 2) : 1;
    return j;
  }
}

/** Reads and validates a pattern file; errors name the file, the key and its line and column. */
export async function loadPatterns(file: string): Promise<ErrorPattern[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`Pattern file ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`Pattern file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const loc = new PatternFileLocator(text);
  const parsed = patternsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const path = i.path.filter((s): s is string | number => typeof s !== 'symbol');
      const index = i.code === 'custom' && typeof i.params?.index === 'number' ? i.params.index : undefined;
      const where = loc.at(path, index);
      return `${path.join('.') || '(root)'}: ${i.message}${where ? ` (${where})` : ''}`;
    });
    throw new Error(`Pattern file ${file} is invalid: ${issues.join('; ')}`);
  }
  const names = new Set<string>();
  for (const [i, p] of parsed.data.patterns.entries()) {
    if (names.has(p.name)) {
      const where = loc.at(['patterns', i, 'name']);
      throw new Error(
        `Pattern file ${file}: pattern name '${p.name}' is used twice${where ? ` (${where})` : ''}: names must be unique`,
      );
    }
    names.add(p.name);
  }
  return parsed.data.patterns;
}
