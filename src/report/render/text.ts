/**
 * Text helpers shared by the renderers. Reasons carry whatever the runtime or the assertion
 * printed: ANSI colour codes, NULs, `<`, `&`, quotes, pipes and several lines. Each output
 * format needs them made safe in its own way, but all start from the same visible text.
 */

import type { ComplianceReport, RuntimeRun } from '../compliance.js';
import { LEVEL_GROUP_LABEL, scoreRun, type LevelGroup } from '../score.js';
import { verdictOf } from '../verdict.js';
import { firstLine, visibleText } from '../../util/text.js';
import { runLabel } from './matrix.js';

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('').trimEnd()}…`;
}

/** For HTML text and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return visibleText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** For XML text content: literal newlines and tabs stay, so a failure's body reads as it was printed. */
export function escapeXmlText(text: string): string {
  return visibleText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * For XML attribute values. Tab and LF are written as character references: a parser turns
 * literal ones in an attribute into spaces, and a skip reason can have several lines.
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}

/**
 * One GitHub-flavoured-markdown table cell: one line, and every character that could end the
 * cell (`|`), open HTML (`<`, `&`), a code span, emphasis, a link, strikethrough or math
 * backslash-escaped, so the runtime's words show as they were written.
 */
export function markdownCell(text: string): string {
  return visibleText(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]<>|~&$]/g, (c) => `\\${c}`)
    .trim();
}

/** A link target that is safe to put in an href: http(s) only, so a crafted report cannot add `javascript:`. */
export function safeUrl(link: string): string | undefined {
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** 340 ms, 41.8 s, 2 min 5 s, 1 h 3 min. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** 2026-11-24 04:30:00 UTC: the same for every reader, unlike a locale's format. Unparsable input is returned as it is. */
export function formatTimestamp(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "1 MUST requirement", "11 MUST requirements". */
function counted(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * What one run came to, in the words every format uses (the end-of-run summary, Markdown, HTML,
 * the GitHub Action's outputs), one phrase per kind of failure, by level group. A failure the
 * runtime's declaration names is a failure too ("11 MUST requirements fail as declared"): it
 * does not count against the runtime, and does not fail the run, but it is never hidden. Empty
 * only for a run where nothing failed at all, counted or not.
 */
export function headlineParts(run: Pick<RuntimeRun, 'results'>): string[] {
  const s = scoreRun(run);
  const parts: string[] = [];
  const groups: LevelGroup[] = ['must', 'should', 'may'];
  for (const group of groups) {
    const { failed, expectedFailures } = s[group];
    const label = `${LEVEL_GROUP_LABEL[group]} requirement`;
    if (failed > 0) parts.push(`${counted(failed, label)} failed`);
    if (expectedFailures > 0) parts.push(`${counted(expectedFailures, label)} ${expectedFailures === 1 ? 'fails' : 'fail'} as declared`);
    if (group === 'must' && failed === 0 && expectedFailures > 0) parts.push('no other MUST requirement failed');
  }
  if (s.unexpectedPass > 0) parts.push(`${counted(s.unexpectedPass, 'declared failure')} passed: update the declaration`);
  if (s.flaky > 0) parts.push(`${counted(s.flaky, 'requirement')} flaky (attempts disagree)`);
  if (s.error > 0) parts.push(`${counted(s.error, 'requirement')} not judged: rtconform's own machinery failed`);
  const outside = run.results.filter((r) => r.status === 'fail' && (verdictOf(r) === 'beyond-target' || verdictOf(r) === 'withdrawn')).length;
  if (outside > 0) parts.push(`${counted(outside, 'requirement')} outside the judged spec release ${outside === 1 ? 'fails' : 'fail'} too, not counted`);
  // Something else failed, and no MUST: say so first, as the MUST group decides the exit code.
  if (parts.length > 0 && s.must.failed === 0 && s.must.expectedFailures === 0) parts.unshift('no MUST requirement failed');
  return parts;
}

/** headlineParts as one line: "11 MUST requirements fail as declared; no other MUST requirement failed", or "no requirement failed". */
export function runHeadline(run: Pick<RuntimeRun, 'results'>): string {
  const parts = headlineParts(run);
  return parts.length === 0 ? 'no requirement failed' : parts.join('; ');
}

/** Every run's headline, each after its column label when there are several: "runc 1.1.15 · trixie: … · runc 1.3.6 · sid: …". */
export function reportHeadline(report: Pick<ComplianceReport, 'runs'>): string {
  if (report.runs.length === 0) return 'no runtime ran';
  if (report.runs.length === 1) return runHeadline(report.runs[0]!);
  return report.runs.map((run) => `${runLabel(run)}: ${runHeadline(run)}`).join(' · ');
}

/** A reason as one line of a terminal: its first line, cut to 160 characters. */
export function briefReason(text: string): string {
  return truncate(firstLine(text), 160);
}
