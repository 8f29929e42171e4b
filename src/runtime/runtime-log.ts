import { LogLineSchema } from './schemas.js';

/**
 * A runtime's `--log-format json` log, record by record. runc writes one JSON object a line;
 * crun 1.28 pretty-prints each over several lines. Objects are found by their braces (outside
 * strings); text outside any object (a runtime that logs plain lines, a torn write) is taken
 * line by line.
 */
export function logRecords(text: string): ({ json: unknown } | { text: string })[] {
  const records: ({ json: unknown } | { text: string })[] = [];
  const plain = (part: string): void => {
    for (const line of part.split('\n')) if (line.trim() !== '') records.push({ text: line.trim() });
  };
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let textFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const candidate = text.slice(start, i + 1);
      try {
        const json: unknown = JSON.parse(candidate);
        plain(text.slice(textFrom, start));
        records.push({ json });
      } catch {
        plain(text.slice(textFrom, i + 1));
      }
      textFrom = i + 1;
    }
  }
  plain(text.slice(textFrom));
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
