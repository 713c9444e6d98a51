/**
 * Text that comes from users and peers (titles, summaries, addresses, file names), checked where it is
 * written and made safe where it is shown: another member's words must not clear, move or spoof what a
 * person's terminal shows.
 */

// C0 controls, DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL_PATTERN = /[\u0000-\u001f\u007f-\u009f]/
/** Characters that change how a line is laid out: line and paragraph separators, bidirectional embeddings, overrides and isolates. */
const LAYOUT_PATTERN = /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** True when the text holds a control character (C0, DEL or C1): one that no address, and no one-line text, may hold. */
export function hasControlCharacter (text: string): boolean {
  return CONTROL_PATTERN.test(text)
}

/** True when the text holds a character that breaks a line or reorders it on screen (see LAYOUT_PATTERN). */
export function hasLayoutCharacter (text: string): boolean {
  return LAYOUT_PATTERN.test(text)
}

/** Its length in characters (Unicode code points), as a person counts them: an emoji is one, not two. */
export function characterCount (text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

const escape = (char: string): string => {
  const code = char.codePointAt(0) as number
  return code <= 0xff ? '\\x' + code.toString(16).padStart(2, '0') : '\\u' + code.toString(16).padStart(4, '0')
}

// Select Graphic Rendition sequences (colours, bold), which this program's own tables use, and any other control.
// eslint-disable-next-line no-control-regex
const UNSAFE_FOR_TERMINAL = /\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * Text for a terminal: every control character but line feed and tab, and every layout character, written
 * as an escape (`\x1b`, `\u202e`). Colour sequences (ESC [ ... m) are kept when `colour` is set, for they only
 * colour text; without it (--no-color, NO_COLOR, a pipe) the output has none of its own, so any there came from
 * stored text and are escaped as well.
 */
export function forTerminal (text: string, colour = false): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (match) => match.length > 1 ? (colour ? match : escape(match[0]!) + match.slice(1)) : escape(match))
}

/** A value quoted in a message: control and layout characters escaped, cut to `max` characters. */
export function printable (text: string, max = 80): string {
  const shown = String(text).replace(new RegExp(`${CONTROL_PATTERN.source}|${LAYOUT_PATTERN.source}`, 'g'), escape)
  return shown.length > max ? shown.slice(0, max - 3) + '...' : shown
}
