/** The first line that has something on it, trimmed ('' for blank text). */
export function firstLine(text: string): string {
  return text.split(/\r\n?|\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
}

/** Caps a string for a report or an error message, with the cut marked; shorter strings pass unchanged. */
export function capText(text: string, capChars: number, label = 'text'): string {
  if (text.length <= capChars) return text;
  const half = Math.floor(capChars / 2);
  return `${text.slice(0, half)}\n[rtconform cut ${text.length - 2 * half} characters of ${label} here: ${text.length} in all]\n${text.slice(-half)}`;
}

/**
 * Control characters a reader cannot see and XML 1.0 cannot carry (not even as `&#…;`): C0
 * controls other than tab, LF and CR, DEL and the C1 range, U+FFFE and U+FFFF. With the `u` flag
 * `[\uD800-\uDFFF]` only matches surrogates that are not part of a pair.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/gu;
const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;

/**
 * The text with CRLF and CR turned into LF, every invisible control character written out as
 * `\u001b` (so an ESC of a colour code stays visible evidence instead of vanishing or breaking
 * XML), and lone surrogates replaced by U+FFFD.
 */
export function visibleText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * CSI sequences (ESC [ … final byte): the colours and cursor moves vitest's reporters write. Any
 * other escape (OSC, which can retitle a terminal or write to its clipboard, DCS, …) is not.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CSI_OR_CONTROL = /\u001b\[[0-?]*[ -/]*[@-~]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;

/**
 * Text on its way to a terminal from a writer that colours it (vitest's reporters) but may quote
 * what a runtime printed: CSI sequences pass, every other control character is written out as
 * visibleText writes it.
 */
export function terminalSafeText(text: string): string {
  return text.replace(CSI_OR_CONTROL, (c) => (c.length > 1 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
