import { LogLineSchema } from './schemas.js';

/**
 * A runtime's `--log-format json` log, record by record. runc and runsc write one JSON object a
 * line; crun 1.28 pretty-prints each over several lines, from a line "{" to a line "}". A line
 * that is neither (plain text, a torn write, text with braces in it) is taken as it is.
 */
export function logRecords(text: string): ({ json: unknown } | { text: string })[] {
  const records: ({ json: unknown } | { text: string })[] = [];
  const lines = text.split('\n');
  const parse = (candidate: string): { json: unknown } | undefined => {
    try {
      return { json: JSON.parse(candidate) as unknown };
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const whole = line.startsWith('{') ? parse(line) : undefined;
    if (whole) {
      records.push(whole);
      continue;
    }
    // A pretty-printed record: "{" alone, then its fields, up to a "}" alone (at most 64 lines).
    const close = line === '{' ? lines.findIndex((l, j) => j > i && j <= i + 64 && l.trim() === '}') : -1;
    const spread = close > i ? parse(lines.slice(i, close + 1).join('\n')) : undefined;
    if (spread) {
      records.push(spread);
      i = close;
      continue;
    }
    records.push({ text: line });
  }
  return records;
}

/** The last error, fatal or panic message of a runtime's log; a plain line that says "error" counts too. */
export function lastErrorIn(text: string): string | undefined {
  let found: string | undefined;
  for (const record of logRecords(text)) {
    if ('text' in record) {
      if (/error/i.test(record.text)) found = record.text;
      continue;
    }
    const parsed = LogLineSchema.safeParse(record.json);
    if (parsed.success && /^(error|fatal|panic)$/i.test(parsed.data.level)) found = parsed.data.msg;
  }
  return found;
}
