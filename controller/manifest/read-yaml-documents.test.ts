import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toJsonPointer } from './json-pointer.js';
import { validateFleetFiles, type FleetFile } from './load-fleet.js';
import { readPlainYamlDocuments } from './plain-yaml-documents.js';
import { parseYamlDocuments, readYamlDocuments, type YamlDocument } from './yaml-documents.js';

const SAMPLES = fileURLToPath(new URL('../../samples', import.meta.url));

function yamlFiles(dir: string): FleetFile[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name): FleetFile[] => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return yamlFiles(full).map((f) => ({ ...f, path: `${name}/${f.path}` }));
      return name.endsWith('.yaml') ? [{ path: name, content: readFileSync(full, 'utf8') }] : [];
    });
}

const FLEET = yamlFiles(path.join(SAMPLES, 'fleet'));
const BROKEN = yamlFiles(path.join(SAMPLES, 'broken'));

/** Every pointer into `value` (and one that does not exist below each mapping), parents first. */
function pointers(value: unknown, base: (string | number)[] = []): string[] {
  const out = [toJsonPointer(base)];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...pointers(item, [...base, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) out.push(...pointers(member, [...base, key]));
    out.push(toJsonPointer([...base, 'no-such-key', 'deeper']));
  }
  return out;
}

/** What a YamlDocument tells its callers: data, readability, and every position and source text. */
function observe(doc: YamlDocument) {
  return {
    documentIndex: doc.documentIndex,
    value: doc.value,
    readable: doc.readable,
    at: pointers(doc.value).map((p) => [p, doc.locate(p), doc.locate(p, { key: true }), doc.sourceText(p)]),
  };
}

function expectSameReading(file: string, content: string): void {
  const fast = readYamlDocuments(file, content);
  const slow = parseYamlDocuments(file, content);
  expect(fast.diagnostics, content).toEqual(slow.diagnostics);
  expect(fast.documents.map(observe), content).toEqual(slow.documents.map(observe));
}

/** Small seeded edits (delete, insert YAML-significant text, copy a slice): broken and odd YAML in bulk. */
function mutations(seeds: readonly string[], count: number): string[] {
  let state = 20240611;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  const pieces = [' ', '  ', '\n', '\n  ', ':', ': ', '- ', '#', ' #', "'", '"', '[', ']', '{', '}', ',', '|', '>', '.', '0', '1', 'e', '~', '\\', '@', '`', '---\n', 'null', 'true', '1.0', '\n- ', '%', '|-', '&a ', '*a', '!!str ', '!vault ', '!!binary ', '1e400', '.inf', '-.inf', '.nan', '9007199254740993', '0x20000000000001', '{"k":&b 1}', '"k":*b'];
  return Array.from({ length: count }, () => {
    let out = seeds[random(seeds.length)]!;
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(out.length + 1);
      const op = random(3);
      if (op === 0) out = out.slice(0, at) + out.slice(at + 1 + random(3));
      else if (op === 1) out = out.slice(0, at) + pieces[random(pieces.length)] + out.slice(at);
      else {
        const from = random(out.length + 1);
        out = out.slice(0, at) + out.slice(from, from + 1 + random(4)) + out.slice(at);
      }
    }
    return out;
  });
}

describe('readYamlDocuments agrees with parseYamlDocuments', () => {
  it('reads every sample fleet file fast (so the comparisons below exercise the fast path)', () => {
    expect(FLEET.length).toBeGreaterThan(5);
    for (const file of FLEET) expect(readPlainYamlDocuments(file.content), file.path).toBeDefined();
    expect(BROKEN.filter((f) => readPlainYamlDocuments(f.content) !== undefined).length).toBeGreaterThan(BROKEN.length / 2);
  });

  it('on the sample files: the same documents, data, positions of every node and key, and diagnostics', () => {
    for (const file of [...FLEET, ...BROKEN]) expectSameReading(file.path, file.content);
  });

  it('on 600 seeded edits of them, read fast or not', () => {
    const edited = mutations([...FLEET, ...BROKEN].map((f) => f.content).filter((c) => c.length < 6000), 600);
    const fast = edited.filter((content) => readPlainYamlDocuments(content) !== undefined).length;
    expect(fast).toBeGreaterThan(120);
    for (const content of edited) expectSameReading('edited.yaml', content);
  });

  it('answers positions of a fast file after other files were located (the precise parse is per file)', () => {
    const a = readYamlDocuments('a.yaml', 'x:\n  y: 1\n').documents[0]!;
    const b = readYamlDocuments('b.yaml', 'p: 1\nq:\n    r: 2\n').documents[0]!;
    expect(a.locate('/x/y')).toEqual({ line: 2, column: 6 });
    expect(b.locate('/q/r', { key: true })).toEqual({ line: 3, column: 5 });
    expect(a.locate('/x/y', { key: true })).toEqual({ line: 2, column: 3 });
    expect(a.sourceText('/x/y')).toBe('1');
  });
});

/** Values that are an error, or must stay exactly as written: every one read alike by both readers. */
const HOSTILE: FleetFile[] = [
  ...FLEET,
  {
    path: 'hostile.yaml',
    content: [
      'apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: { name: a }\nspec:\n  clusterName: c\n  extensionType: t\n  scope: cluster\n  configurationSettings:\n    big: 9007199254740993\n    exact: 9007199254740994\n    inf: 1e400\n    nan: .nan\n    vault: !vault secret/x\n',
      '{"apiVersion": "clusterext.io/v1alpha1", "kind": &k "Extension", "metadata": {"name": *k}}\n',
      'a: !!binary aGk=\nb: !!js/function "f"\n',
    ].join('---\n'),
  },
];

describe('readers on hostile values', () => {
  it('agree on tags, anchors written against flow indicators, and numbers JSON cannot carry', () => {
    for (const file of HOSTILE.slice(-1)) expectSameReading(file.path, file.content);
    for (const content of ['{"a":&x 1, "b":*x}\n', 'a: [&x 1, *x]\n', '{[a]: 1}\n', 'x: {[a, b]: 1, c: [d]}\n', '[a]: 1\n', 'n: .inf\nm: 1e400\n', 'big: 9007199254740993\n']) expectSameReading('h.yaml', content);
  });

  it('the fast reader leaves every file with an anchor to the precise reader, even one its pattern does not see', () => {
    expect(readPlainYamlDocuments('{"a":&x 1, "b":*x}\n')).toBeUndefined();
    expect(readPlainYamlDocuments('{"a": 1, "b": 2}\n')).toBeDefined();
    // So is a list or mapping used as a key, which the two would turn into different text.
    expect(readPlainYamlDocuments('x: {[a, b]: 1}\n')).toBeUndefined();
    expect(readPlainYamlDocuments('x: {a: [b, c]}\n')).toBeDefined();
  });
});

describe('validateFleetFiles gives the same fleet and diagnostics with either reader', () => {
  it.each([
    ['samples/fleet', FLEET],
    ['samples/broken', BROKEN],
    ['hostile values', HOSTILE],
  ])('%s', (_, files) => {
    const fast = validateFleetFiles(files);
    const slow = validateFleetFiles(files, { readDocuments: parseYamlDocuments });
    expect(fast).toEqual(slow);
  });
});
