/** The first line that has something on it, trimmed ('' for blank text). */
export function firstLine(text: string): string {
  return text.split(/\r\n?|\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
}
