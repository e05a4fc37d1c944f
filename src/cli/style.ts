// Colour on the command line, through util.styleText: it honours NO_COLOR, FORCE_COLOR and
// NODE_DISABLE_COLORS, and colours only a stream that is a terminal (a pipe or a file gets plain text).
import { styleText } from 'node:util';

export type StyleFormat = Parameters<typeof styleText>[0];
/** Styles a text for one output stream (or leaves it plain). */
export type Paint = (format: StyleFormat, text: string) => string;

export const plain: Paint = (_format, text) => text;

/** Styles text written to `stream`, when that stream shows colour. */
export function paintFor(stream: NodeJS.WriteStream): Paint {
  return (format, text) => styleText(format, text, { stream });
}

const LINE_STYLES: Array<[RegExp, StyleFormat]> = [
  [/^━━ /, 'bold'],
  [/^(❌|✗|🚫|💥|🛑|⛔)/u, 'red'],
  [/^(✅|✓)/u, 'green'],
  [/^(⚠️|⛓️|🛡️|⏸️)/u, 'yellow'],
  [/^(🔧|⏳|🔍)/u, 'cyan'],
  [/^Report: /, 'dim'],
];

/** A console line, coloured by the sign it starts with (the text itself is unchanged). */
export function paintLine(paint: Paint, line: string): string {
  for (const [re, format] of LINE_STYLES) if (re.test(line)) return paint(format, line);
  return line;
}
