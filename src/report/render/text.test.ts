import { describe, expect, it } from 'vitest';
import { visibleText } from '../../util/text.js';
import { runLabel } from './matrix.js';
import { escapeHtml, escapeXmlAttribute, escapeXmlText, formatDuration, formatTimestamp, markdownCell, reportHeadline, runHeadline, safeUrl, truncate } from './text.js';
import { declaredFailuresReport, judgedRun } from '../testdata/declared-failures.js';
import { firstLine } from '../../util/text.js';

describe('visibleText', () => {
  it('writes invisible control characters out and keeps tab and newline', () => {
    expect(visibleText('\u001b[31mred\u001b[39m\u0000\u0007\u007f\u0085')).toBe('\\u001b[31mred\\u001b[39m\\u0000\\u0007\\u007f\\u0085');
    expect(visibleText('a\tb\nc')).toBe('a\tb\nc');
  });

  it('turns CRLF and CR into LF', () => {
    expect(visibleText('a\r\nb\rc')).toBe('a\nb\nc');
  });

  it('replaces lone surrogates and U+FFFE/U+FFFF but keeps surrogate pairs', () => {
    expect(visibleText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(visibleText('\uFFFE\uFFFF')).toBe('\\ufffe\\uffff');
    expect(visibleText('🐳 ok')).toBe('🐳 ok');
  });
});

describe('firstLine and truncate', () => {
  it('takes the first line with text on it', () => {
    expect(firstLine('\n  \n  expected 1 to be 2  \r\n- Expected')).toBe('expected 1 to be 2');
    expect(firstLine('')).toBe('');
  });

  it('cuts at code points, never inside a surrogate pair', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('🐳🐳🐳🐳', 3)).toBe('🐳🐳…');
  });
});

describe('escaping', () => {
  const hostile = `<script>alert("x")</script> & 'q'`;

  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('escapes XML attributes, keeping tabs and newlines as references', () => {
    expect(escapeXmlAttribute(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;');
    expect(escapeXmlAttribute('a\tb\nc\u0000')).toBe('a&#9;b&#10;c\\u0000');
  });

  it('escapes XML text, keeping its lines', () => {
    expect(escapeXmlText(`${hostile}\nnext\u001b`)).toBe(`&lt;script&gt;alert("x")&lt;/script&gt; &amp; 'q'\nnext\\u001b`);
  });

  it('makes a markdown table cell of one line whose pipes and markup stay text', () => {
    expect(markdownCell('a | b\nc')).toBe('a \\| b c');
    expect(markdownCell('<b>*x*</b> `y` [l](u) ~s~ $m$ &amp; \\')).toBe('\\<b\\>\\*x\\*\\</b\\> \\`y\\` \\[l\\](u) \\~s\\~ \\$m\\$ \\&amp; \\\\');
  });
});

describe('safeUrl', () => {
  it('lets http(s) through and refuses other schemes and garbage', () => {
    expect(safeUrl('https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md#delete'))
      .toBe('https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md#delete');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,<b>')).toBeUndefined();
    expect(safeUrl('runtime.md#delete')).toBeUndefined();
  });
});

describe('formatting', () => {
  it('formats durations for people', () => {
    expect(formatDuration(340)).toBe('340 ms');
    expect(formatDuration(41_806)).toBe('41.8 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_780_000)).toBe('1 h 3 min');
  });

  it('formats timestamps in UTC and leaves what it cannot parse alone', () => {
    expect(formatTimestamp('2026-11-24T04:30:00.000Z')).toBe('2026-11-24 04:30:00 UTC');
    expect(formatTimestamp('yesterday')).toBe('yesterday');
  });
});

describe('runHeadline and reportHeadline', () => {
  it('count declared failures as failures, by level group, and say "no requirement failed" only when nothing failed', () => {
    const report = declaredFailuresReport();
    expect(runHeadline(report.runs[0]!)).toBe('2 MUST requirements fail as declared; no other MUST requirement failed; 1 SHOULD requirement fails as declared; '
      + '1 requirement outside the judged spec release fails too, not counted');
    expect(runHeadline(report.runs[1]!)).toBe('1 MUST requirement failed');
    // Each run by its column label, as compliance.md names it.
    expect(reportHeadline(report)).toBe(`${runLabel(report.runs[0]!)}: ${runHeadline(report.runs[0]!)} · ${runLabel(report.runs[1]!)}: 1 MUST requirement failed`);
    expect(reportHeadline({ runs: [report.runs[1]!] })).toBe('1 MUST requirement failed');
    expect(reportHeadline({ runs: [] })).toBe('no runtime ran');
    expect(runHeadline(judgedRun('clean', '1.2.0', [], [['state.id', 'pass'], ['state.pid', 'skip']]))).toBe('no requirement failed');
    // A SHOULD alone: the MUST group is said first, as it decides the exit code.
    expect(runHeadline(judgedRun('rt', '1.2.0', [], [['state.id', 'pass'], ['state.annotations', 'fail']]))).toBe('no MUST requirement failed; 1 SHOULD requirement failed');
    expect(runHeadline(judgedRun('rt', '1.2.0', ['state.id'], [['state.id', 'pass']]))).toBe('no MUST requirement failed; 1 declared failure passed: update the declaration');
  });
});
