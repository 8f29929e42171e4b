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
