import { describe, expect, it } from 'vitest';
import { parseYamlDocuments, readYamlDocuments } from './yaml-documents.js';

const TWO_DOCS = `# a comment
a:
  b: 1.20
  list:
    - x: 1
    - y: two
---
---
c: "quoted"
---
`;

describe('parseYamlDocuments', () => {
  it('returns each non-empty document with its data, skipping empty ones', () => {
    const { documents, diagnostics } = parseYamlDocuments('f.yaml', TWO_DOCS);
    expect(diagnostics).toEqual([]);
    expect(documents.map((d) => [d.documentIndex, d.value, d.readable])).toEqual([
      [0, { a: { b: 1.2, list: [{ x: 1 }, { y: 'two' }] } }, true],
      [1, { c: 'quoted' }, true],
    ]);
  });

  it('locates values, keys and sequence items by JSON Pointer (1-based)', () => {
    const [doc] = parseYamlDocuments('f.yaml', TWO_DOCS).documents;
    expect(doc!.locate('')).toEqual({ line: 2, column: 1 });
    expect(doc!.locate('/a/b')).toEqual({ line: 3, column: 6 });
    expect(doc!.locate('/a/b', { key: true })).toEqual({ line: 3, column: 3 });
    expect(doc!.locate('/a/list/1/y')).toEqual({ line: 6, column: 10 });
    expect(doc!.locate('/a/list/1')).toEqual({ line: 6, column: 7 });
  });

  it('falls back to the nearest existing parent for a path that does not exist', () => {
    const [doc] = parseYamlDocuments('f.yaml', TWO_DOCS).documents;
    expect(doc!.locate('/a/missing/deeper')).toEqual({ line: 3, column: 3 });
    expect(doc!.locate('/a/list/7')).toEqual({ line: 5, column: 5 });
  });

  it('gives the source text of a scalar, so hints can quote what was written', () => {
    const [doc] = parseYamlDocuments('f.yaml', TWO_DOCS).documents;
    expect(doc!.sourceText('/a/b')).toBe('1.20');
    expect(doc!.sourceText('/a/nope')).toBeUndefined();
  });

  it('positions the second document after the first', () => {
    const [, second] = parseYamlDocuments('f.yaml', TWO_DOCS).documents;
    expect(second!.locate('/c')).toEqual({ line: 9, column: 4 });
  });

  it('reports a duplicate key at the second occurrence, naming it, and keeps the document readable', () => {
    const { documents, diagnostics } = parseYamlDocuments('d.yaml', 'metadata:\n  labels:\n    env: a\n    env: b\n');
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'DuplicateKey',
        message: 'Key "env" appears twice in the same mapping; YAML keeps only one of the values, so remove or rename one of them.',
        file: 'd.yaml',
        line: 4,
        column: 5,
        pointer: '/metadata/labels/env',
      },
    ]);
    expect(documents[0]!.readable).toBe(true);
  });

  it('reports a tab used for indentation and marks the document unreadable', () => {
    const { documents, diagnostics } = parseYamlDocuments('t.yaml', 'metadata:\n  name: x\n\tlabels: {}\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['TabIndentation', 3, 1]]);
    expect(documents[0]!.readable).toBe(false);
  });

  it('reports invalid YAML once per place, with the parser message as a sentence', () => {
    const { documents, diagnostics } = parseYamlDocuments('x.yaml', 'kind: A\nmetadata: name: x\n');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'InvalidYaml', line: 2, column: 11, pointer: '' });
    expect(diagnostics[0]!.message).toMatch(/^This is not valid YAML: .+\. Check the indentation/);
    expect(documents[0]!.readable).toBe(false);
  });

  it('turns an alias bomb into a diagnostic instead of throwing', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    const { diagnostics } = parseYamlDocuments('bomb.yaml', lines.join('\n') + '\n');
    expect(diagnostics.map((d) => d.code)).toEqual(['DocumentTooLarge']);
  });

  it('bounds the size a document reaches with its aliases expanded: one large anchor repeated is an error at the alias past the limit', () => {
    const big = 'x'.repeat(4_000_000);
    const content = `kind: A\nbig: &big "${big}"\ncopies:\n${Array.from({ length: 100 }, () => '  - *big\n').join('')}`;
    for (const read of [readYamlDocuments, parseYamlDocuments]) {
      const { documents, diagnostics } = read('bomb.yaml', content);
      // The anchor (4,000,002 characters) and one copy fit in 8 MiB; the second copy does not.
      expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['DocumentTooLarge', 5, 5]]);
      expect(diagnostics[0]!.message).toMatch(/^With its aliases expanded this document holds more than 8388608 characters, the limit: the alias "\*big" here repeats 4000002 characters\. .*--max-expanded-size/);
      expect(documents.map((d) => [d.readable, d.value])).toEqual([[false, null]]);
    }
  });

  it('expands aliases within the limit, and counts the text of a document without aliases against it too', () => {
    const content = 'base: &base { image: app, replicas: 2 }\nblue: *base\ngreen: *base\n';
    for (const read of [readYamlDocuments, parseYamlDocuments]) {
      expect(read('ok.yaml', content)).toMatchObject({ diagnostics: [], documents: [{ readable: true, value: { base: { image: 'app', replicas: 2 }, blue: { image: 'app', replicas: 2 } } }] });
      expect(read('ok.yaml', content, { maxExpandedSize: 60 }).diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['DocumentTooLarge', 3, 8]]);
      const plain = `a: ${'y'.repeat(80)}\n`;
      expect(read('long.yaml', plain, { maxExpandedSize: 60 }).diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
        ['DocumentTooLarge', 1, 4, 'This document holds more than 60 characters, the limit; split it into smaller documents (or raise --max-expanded-size).'],
      ]);
    }
  });

  it('reports an alias inside the node it repeats instead of expanding it', () => {
    const { diagnostics } = parseYamlDocuments('loop.yaml', 'a: &a [1, *a]\n');
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['RecursiveAlias', 1, 11]]);
  });

  it('reports every tag that has no JSON value as an error at the tag: custom ones, !!js/*, !!binary, !!timestamp, !!set', () => {
    const content = 'a: !vault secret/data/db\nb: !!js/function "function () {}"\nc: !!binary aGk=\nd: &d !!timestamp 2001-01-01\ne: !!set { x }\nf: !!str 1\ng: !!int "7"\n';
    for (const read of [readYamlDocuments, parseYamlDocuments]) {
      const { documents, diagnostics } = read('tags.yaml', content);
      expect(diagnostics.map((d) => [d.code, d.line, d.column, d.severity])).toEqual([
        ['UnsupportedTag', 1, 4, 'error'],
        ['UnsupportedTag', 2, 4, 'error'],
        ['UnsupportedTag', 3, 4, 'error'],
        ['UnsupportedTag', 4, 7, 'error'],
        ['UnsupportedTag', 5, 4, 'error'],
      ]);
      expect(diagnostics[0]!.message).toMatch(/^The tag "!vault" is not one clusterext reads: .* its text deployed as it is; remove the tag/);
      expect(diagnostics[1]!.message).toContain('"!!js/function"');
      expect(documents[0]!.readable).toBe(false);
    }
  });

  it('reports a list or mapping used as a mapping key, which would become its text form', () => {
    for (const read of [readYamlDocuments, parseYamlDocuments]) {
      const { diagnostics } = read('keys.yaml', 'a:\n  {x: 1}: 2\nb: {[c, d]: 3}\n');
      expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
        ['CollectionKey', 2, 3],
        ['CollectionKey', 3, 5],
      ]);
    }
  });

  it('returns nothing for an empty file or one with only comments', () => {
    expect(parseYamlDocuments('e.yaml', '')).toEqual({ documents: [], diagnostics: [] });
    expect(parseYamlDocuments('e.yaml', '# nothing here\n')).toEqual({ documents: [], diagnostics: [] });
  });
});
