import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ComplianceReportSchema, type ComplianceReport } from '../compliance.js';
import { renderJunit } from './junit.js';
import { visibleText } from '../../util/text.js';

const fixture = (name: string): ComplianceReport =>
  ComplianceReportSchema.parse(JSON.parse(readFileSync(new URL(`../testdata/${name}.json`, import.meta.url), 'utf8')));

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict parser for the XML subset the renderer writes (declaration, elements, attributes,
 * text, the five entities and character references; no comments, CDATA or DTD), enough to
 * prove the output is well-formed XML 1.0 and to read it back. Throws on anything else: a raw
 * `<` or `&`, an unknown entity, a character XML 1.0 forbids, a mismatched or unclosed tag.
 * node_modules has no XML parser, and one is not worth a dependency for one test.
 */
function parseXml(xml: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
  };
  // XML 1.0 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
  const CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
  if (!CHAR.test(xml)) fail('a character XML 1.0 forbids');
  const NAME = /[A-Za-z_:][\w.:-]*/y;
  const name = (): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(xml) ?? fail('a name expected');
    at += m[0].length;
    return m[0];
  };
  const spaces = (): void => {
    while (/\s/.test(xml[at] ?? '')) at++;
  };
  const decode = (raw: string): string => raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) fail('an unterminated reference');
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const code = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : fail(`unknown entity &${ref};`);
    const char = String.fromCodePoint(code);
    if (!CHAR.test(char)) fail('a character reference to a forbidden character');
    return char;
  });
  const element = (): XmlElement => {
    if (xml[at] !== '<') fail('< expected');
    at++;
    const node: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      spaces();
      if (xml.startsWith('/>', at)) {
        at += 2;
        return node;
      }
      if (xml[at] === '>') {
        at++;
        break;
      }
      const attribute = name();
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute}`);
      spaces();
      if (xml[at] !== '=') fail('= expected');
      at++;
      spaces();
      const quote = xml[at];
      if (quote !== '"' && quote !== "'") fail('a quoted value expected');
      const end = xml.indexOf(quote!, at + 1);
      if (end === -1) fail('an unterminated attribute');
      const raw = xml.slice(at + 1, end);
      if (raw.includes('<')) fail('< in an attribute');
      // Attribute-value normalisation: literal whitespace becomes a space, references stay.
      node.attributes[attribute] = decode(raw.replace(/[\t\n\r]/g, ' '));
      at = end + 1;
    }
    for (;;) {
      const next = xml.indexOf('<', at);
      if (next === -1) fail('an unclosed element');
      const raw = xml.slice(at, next);
      if (raw.includes(']]>')) fail(']]> in text');
      node.text += decode(raw);
      at = next;
      if (xml.startsWith('</', at)) {
        at += 2;
        if (name() !== node.name) fail(`</${node.name}> expected`);
        spaces();
        if (xml[at] !== '>') fail('> expected');
        at++;
        return node;
      }
      if (xml.startsWith('<!', at) || xml.startsWith('<?', at)) fail('markup this parser does not accept');
      node.children.push(element());
    }
  };
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  if (!xml.startsWith(declaration)) fail('the XML declaration expected');
  at = declaration.length;
  spaces();
  const root = element();
  spaces();
  if (at !== xml.length) fail('content after the root element');
  return root;
}

const childrenNamed = (node: XmlElement, name: string): XmlElement[] => node.children.filter((c) => c.name === name);

describe('the test XML parser', () => {
  it('refuses what is not well-formed', () => {
    const bad = ['<a>&</a>', '<a>x<b></a>', '<a b="<"/>', '<a b="1" b="2"/>', '<a>\u0001</a>', '<a>&#1;</a>', '<a>&nbsp;</a>', '<a></a><b/>'];
    for (const body of bad) expect(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`), body).toThrow();
    expect(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a b="x&#10;y &amp;">t&lt;<c/></a>')).toEqual({
      name: 'a', attributes: { b: 'x\ny &' }, text: 't<', children: [{ name: 'c', attributes: {}, children: [], text: '' }],
    });
  });
});

describe('renderJunit', () => {
  const report = fixture('two-runtimes');
  const root = parseXml(renderJunit(report));
  const suites = childrenNamed(root, 'testsuite');

  it('is well-formed XML with totals on <testsuites>', () => {
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ name: 'rtconform 0.1.0', tests: '20', failures: '5', errors: '0', skipped: '4', time: '65.500' });
  });

  it('has one <testsuite> per runtime run, named by runtime key and target, with its counts and properties', () => {
    expect(suites.map((s) => s.attributes.name)).toEqual(['fake on host', 'runc on host (cgroup v2, systemd driver)']);
    expect(suites[1]!.attributes).toMatchObject({ tests: '10', failures: '4', errors: '0', skipped: '1' });
    const properties = Object.fromEntries(childrenNamed(childrenNamed(suites[1]!, 'properties')[0]!, 'property').map((p) => [p.attributes.name, p.attributes.value]));
    expect(properties).toMatchObject({ 'runtime.key': 'runc', 'runtime.version': '1.1.15+ds1', 'runtime.path': '/usr/sbin/runc', 'target.kind': 'host', mandatoryFailed: '3' });
  });

  it('has one <testcase> per requirement: classname level and spec document, name id — statement', () => {
    report.runs.forEach((run, i) => {
      const cases = childrenNamed(suites[i]!, 'testcase');
      expect(cases.map((c) => c.attributes.name)).toEqual(run.results.map((r) => `${r.requirement} — ${r.statement}`));
    });
    const cases = childrenNamed(suites[1]!, 'testcase');
    const byId = (id: string): XmlElement => cases.find((c) => c.attributes.name!.startsWith(`${id} — `))!;
    expect(byId('delete.not-stopped').attributes).toMatchObject({ classname: 'MUST runtime.md', time: '0.870' });
    expect(byId('linux.user-mappings.no-chown').attributes.classname).toBe('SHOULD NOT config-linux.md');
    expect(byId('cli.exec.env').attributes.classname).toBe('SHOULD runc CLI');
    // The statement's <, &, quotes and pipe survive the round trip.
    expect(byId('cli.exec.env').attributes.name).toBe('cli.exec.env — Exec --env adds variables to the process environment (<name>=<value> & "quoted" | piped).');
    expect(byId('bundle.config-json').children).toEqual([]);
  });

  it('gives a failure the first line of its reason as message, and the whole reason with expected and actual as body', () => {
    const cases = childrenNamed(suites[1]!, 'testcase');
    const failure = childrenNamed(cases.find((c) => c.attributes.name!.startsWith('delete.not-stopped'))!, 'failure')[0]!;
    expect(failure.attributes.message).toBe('runc delete <id> exited 0: the runtime accepted the call; it should have refused it | state after: "stopped" & gone');
    expect(failure.attributes.type).toBe('MUST');
    expect(failure.text).toContain('runc: level=info msg="killing init"');
    expect(failure.text).toContain('test: delete of a created container fails and leaves it created [MUST delete.not-stopped]\nexpected:\n{ "status": "created" }\nactual:\n<container gone: \'state\' said "container does not exist">');
    expect(failure.text).toContain('spec: https://github.com/opencontainers/runtime-spec/blob/v1.2.0/runtime.md#delete');
    const script = childrenNamed(cases.find((c) => c.attributes.name!.startsWith('linux.namespaces.types-supported'))!, 'failure')[0]!;
    expect(script.attributes.message).toBe('runc create exited 1: runc: level=error msg="unknown namespace type \\"time\\"" <script>alert(\'x\')</script>');
  });

  it('marks a skip with <skipped message> holding the reason', () => {
    const skipped = childrenNamed(suites[1]!, 'testcase').flatMap((c) => childrenNamed(c, 'skipped'));
    expect(skipped.map((s) => s.attributes.message)).toEqual(['runc 1.1.15 features is experimental and its output lacks ociVersionMin: <runc features> said "unknown field"']);
  });

  it('writes control characters out visibly instead of producing XML no parser accepts', () => {
    const cases = childrenNamed(suites[1]!, 'testcase');
    const failure = childrenNamed(cases.find((c) => c.attributes.name!.startsWith('linux.personality'))!, 'failure')[0]!;
    expect(failure.attributes.message).toBe("\\u001b[31mexpected 'x86_64' to be 'i686'\\u001b[39m // Object.is equality\\u0000");
  });

  it('survives every character a reason could hold', () => {
    const hostile = structuredClone(report);
    let everything = '';
    for (let c = 0; c < 0x110; c++) everything += String.fromCharCode(c);
    everything += '\uD800 \uDFFF \uFFFE \uFFFF 🐳 ]]> &amp; \r\n\ttab';
    const run = hostile.runs[0]!;
    run.runtime.key = everything;
    for (const result of run.results) {
      result.reason = everything;
      result.statement = everything;
      for (const test of result.tests) Object.assign(test, { name: everything, expected: everything, actual: everything });
    }
    const parsed = parseXml(renderJunit(hostile));
    const suite = childrenNamed(parsed, 'testsuite')[0]!;
    expect(suite.attributes.name).toBe(`${visibleText(everything)} on host`);
    const failure = childrenNamed(suite, 'testcase').flatMap((c) => childrenNamed(c, 'failure'))[0]!;
    expect(failure.text.startsWith(`${visibleText(everything)}\n\ntest: `)).toBe(true);
    const skipped = childrenNamed(suite, 'testcase').flatMap((c) => childrenNamed(c, 'skipped'))[0]!;
    expect(skipped.attributes.message).toBe(visibleText(everything));
  });

  it('renders the real sample, which has no failure', () => {
    const sample = parseXml(renderJunit(fixture('fake-run')));
    expect(sample.attributes).toMatchObject({ tests: '42', failures: '0', skipped: '0' });
    expect(childrenNamed(sample, 'testsuite')[0]!.children.filter((c) => c.name === 'testcase')).toHaveLength(42);
  });

  it('says an interrupted run is partial', () => {
    const parsed = parseXml(renderJunit({ ...report, interrupted: true }));
    expect(parsed.attributes.name).toBe('rtconform 0.1.0 (interrupted)');
  });
});
