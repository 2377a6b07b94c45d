import { describe, expect, it } from 'vitest';
import { readPlainYamlDocuments } from './plain-yaml-documents.js';
import { parseYamlDocuments } from './yaml-documents.js';

/** The precise reader's data and document starts, for comparison with the fast reader's. */
function precise(content: string) {
  const { documents, diagnostics } = parseYamlDocuments('f.yaml', content);
  return { diagnostics, documents: documents.map((d) => ({ value: d.value, start: d.locate('') })) };
}

describe('readPlainYamlDocuments: the YAML 1.2 core schema, as yaml reads it', () => {
  const scalars: Array<[string, unknown]> = [
    ['yes', 'yes'],
    ['on', 'on'],
    ['1.2', 1.2],
    ['1.20', 1.2],
    ['"1.2"', '1.2'],
    ["'7'", '7'],
    ['0o17', 15],
    ['0x1F', 31],
    ['08', 8],
    ['-12', -12],
    ['+12', 12],
    ['1e3', 1000],
    ['.5', 0.5],
    ['.inf', Infinity],
    ['-.Inf', -Infinity],
    ['.nan', NaN],
    ['12345678901234567890', Number('12345678901234567890')],
    ['1_000', '1_000'],
    ['0b11', '0b11'],
    ['0o19', '0o19'],
    ['2001-12-14', '2001-12-14'],
    ['~', null],
    ['null', null],
    ['Null', null],
    ['', null],
    ['True', true],
    ['FALSE', false],
    ['tRUE', 'tRUE'],
    ['=', '='],
    ['a:b', 'a:b'],
    ['http://x/y#frag', 'http://x/y#frag'],
  ];

  it.each(scalars)('reads %j as %j, the same as the precise reader', (text, expected) => {
    const content = `k: ${text}\n`;
    const fast = readPlainYamlDocuments(content);
    expect(fast?.[0]?.value).toEqual({ k: expected });
    expect(fast).toEqual(precise(content).documents);
  });

  it('reads keys as strings the way the precise reader does, and keeps key order', () => {
    const content = 'b: 1\n"1.0": x\n"1.5": y\n"true": z\n"__proto__": {p: 1}\na: [1, {c: d}, {"f"}]\n';
    const fast = readPlainYamlDocuments(content);
    expect(fast).toEqual(precise(content).documents);
    expect(Object.keys(fast![0]!.value as object)).toEqual(Object.keys(precise(content).documents[0]!.value as object));
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('leaves a file with a key YAML reads as a number, boolean or null to the precise reader, which keeps its text', () => {
    for (const content of ['1.10: y\n', 'a:\n  true : z\n', 'a: {1.10: x}\n', 'a: {b: 1, 1e400}\n', 'a: {b: 1,\n  ~ }\n', 'a: [{0x1F: b}]\n']) {
      expect(readPlainYamlDocuments(content), content).toBeUndefined();
    }
    // Numbers as values, in flow mappings and sequences, stay on the fast path.
    expect(readPlainYamlDocuments('a: {b: 1.10, c: [1, 2.5, true]}\nd: 0x1F\n')).toEqual(precise('a: {b: 1.10, c: [1, 2.5, true]}\nd: 0x1F\n').documents);
  });

  it('reads block scalars, quoted escapes and single-line flow collections', () => {
    const content = 'a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: "tab\\tand \\u00e9"\nd: \'it\'\'s\'\ne: {x: [1, 2], y: "z"}\n';
    expect(readPlainYamlDocuments(content)).toEqual(precise(content).documents);
  });
});

describe('readPlainYamlDocuments: documents and where they start', () => {
  const content = '# leading comment\n\napiVersion: v1\nkind: A\n---\n---\n# only a comment\n---\n  - indented: list\n--- {a: 1}\n---\n';

  it('skips empty documents and starts each at its top node, as yaml does', () => {
    const fast = readPlainYamlDocuments(content);
    expect(fast?.map((d) => d.start)).toEqual([
      { line: 3, column: 1 },
      { line: 9, column: 3 },
      { line: 10, column: 5 },
    ]);
    expect(fast).toEqual(precise(content).documents);
  });

  it('counts CRLF line ends like the precise reader', () => {
    const crlf = content.replace(/\n/g, '\r\n');
    expect(readPlainYamlDocuments(crlf)).toEqual(precise(crlf).documents);
  });

  it('reads an empty file and one with only comments as no documents', () => {
    expect(readPlainYamlDocuments('')).toEqual([]);
    expect(readPlainYamlDocuments('# nothing\n---\n')).toEqual([]);
  });
});

describe('readPlainYamlDocuments: leaves to the precise reader whatever the two might read differently', () => {
  const outside: Array<[string, string]> = [
    ['a tab', 'a:\n\tb: 1\n'],
    ['a tab inside quotes', 'a: "x\ty"\n'],
    ['a byte order mark', '\uFEFFa: 1\n'],
    ['a lone CR', 'a: 1\rb: 2\n'],
    ['a %YAML directive (1.1 reads yes as true)', '%YAML 1.1\n---\na: yes\n'],
    ['a %TAG directive', '%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n'],
    ['a !!str tag', 'a: !!str 1.2\n'],
    ['a !!binary tag', 'a: !!binary aGVsbG8=\n'],
    ['a !!timestamp tag', 'a: !!timestamp 2001-12-14\n'],
    ['a local tag', 'a: !thing 1\n'],
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a merge key', 'base: {x: 1}\nm:\n  <<: {x: 2}\n'],
    ['a complex key', '? [a, b]\n: c\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['invalid YAML', 'kind: A\nmetadata: name: x\n'],
    ['an unclosed quote', 'a: "x\n'],
    ['an explicit null document', '--- ~\n'],
    ['a null document among others', 'a: 1\n--- null\n'],
    ['a multi-line double-quoted scalar', 'a: "x\n  y"\n'],
    ['a multi-line quoted scalar at column 1 (yaml rejects it)', 'a: "x\ny"\n'],
    ['a multi-line plain scalar', 'a: x\n  y\n'],
    ['a multi-line flow sequence', 'a: [1,\n2]\n'],
    ['a multi-line flow mapping', 'a: {x: 1,\n  y: 2}\n'],
    ['nesting deeper than 100', `${'['.repeat(101)}${']'.repeat(101)}\n`],
  ];

  it.each(outside)('%s', (_, content) => {
    expect(readPlainYamlDocuments(content)).toBeUndefined();
  });
});
