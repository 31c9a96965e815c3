/**
 * Characters that make a terminal do something instead of showing text: C0 controls (ESC starts
 * colour, cursor and title sequences; CR overwrites a line), DEL, C1 controls (U+009B is a
 * one-character CSI), and the Unicode bidirectional overrides and isolates, which reorder what
 * is displayed. A newline is kept: output is written line by line.
 */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control character written as a visible `\uXXXX` escape, so a file name like
 * `"mask\u001b[2J.png"` prints as those characters instead of clearing the screen. The escape is
 * JSON's, so JSON output stays valid JSON that decodes to the same string.
 *
 * @example
 * printable("lc4\u001b]0;pwned\u0007.png"); // "lc4\\u001b]0;pwned\\u0007.png"
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
