import { describe, expect, it } from 'vitest';
import { validateFleetFiles, type FleetFile } from './load-fleet.js';
import { parseYamlDocuments, readYamlDocuments } from './yaml-documents.js';

const FLEET = `apiVersion: clusterext.io/v1alpha1
kind: ExtensionType
metadata: { name: monitor }
spec:
  chart: { repository: "https://charts.example/charts", name: monitor }
  scopes: [cluster]
  defaultReleaseNamespace: monitoring
  releaseTrains: { stable: {} }
---
apiVersion: clusterext.io/v1alpha1
kind: ConnectedCluster
metadata: { name: prod }
spec: { kubeconfigSecretRef: { name: kc-prod, key: kubeconfig } }
`;

const extension = (settings: string): FleetFile[] => [
  { path: 'fleet.yaml', content: FLEET },
  {
    path: 'monitor.yaml',
    content: `apiVersion: clusterext.io/v1alpha1\nkind: Extension\nmetadata: { name: monitor }\nspec:\n  clusterName: prod\n  extensionType: monitor\n  scope: cluster\n  configurationSettings:\n${settings}`,
  },
];

const READERS = [
  ['the fast reader', readYamlDocuments],
  ['the precise reader', parseYamlDocuments],
] as const;

describe.each(READERS)('numbers JSON cannot carry, read by %s', (_name, readDocuments) => {
  it('are located errors: .nan, ±.inf, 1e400, and integers beyond 2^53 a double does not hold (decimal, hex, octal)', () => {
    const settings = ['a: 1e400', 'b: .inf', 'c: -.inf', 'd: .nan', 'e: 9007199254740993', 'f: 0x20000000000001', 'g: -12345678901234567890', 'h: 0o400000000000000001'];
    const { fleet, diagnostics } = validateFleetFiles(extension(settings.map((s) => `    ${s}\n`).join('')), { readDocuments });
    expect(fleet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.pointer])).toEqual(
      settings.map((s, i) => ['UnrepresentableNumber', 'monitor.yaml', 9 + i, 8, `/spec/configurationSettings/${s[0]}`]),
    );
    const messages = diagnostics.map((d) => d.message);
    expect(messages[0]).toBe('The number 1e400 is beyond the range JSON carries (about ±1.8e308; it would become null); quote it to pass the text as a string, or write a number within the range.');
    expect(messages[2]).toMatch(/^The number -\.inf is beyond/);
    expect(messages[3]).toMatch(/^The value \.nan is "not a number", which JSON cannot carry/);
    expect(messages[4]).toBe('The integer 9007199254740993 is beyond 2^53, where a number is not exact, and would become 9007199254740992; quote it to pass the text as a string.');
    expect(messages[6]).toContain('would become -12345678901234567168');
  });

  it('keep every number a double holds exactly as written, and quoted text as text', () => {
    const { fleet, diagnostics } = validateFleetFiles(
      extension(['a: 9007199254740994', 'b: 1e20', 'c: 1.5', 'd: "1e400"', 'e: ".nan"', 'f: -9007199254740991', 'g: 1.7976931348623157e308'].map((s) => `    ${s}\n`).join('')),
      { readDocuments },
    );
    expect(diagnostics).toEqual([]);
    expect(fleet!.extensions[0]!.spec.configurationSettings).toEqual({ a: 9007199254740994, b: 1e20, c: 1.5, d: '1e400', e: '.nan', f: -9007199254740991, g: 1.7976931348623157e308 });
  });

  it('are found anywhere in a document, not only in settings', () => {
    const files = extension('    a: 1\n');
    files[1]!.content = files[1]!.content.replace('metadata: { name: monitor }', 'metadata: { name: monitor, labels: { big: .inf } }');
    const { diagnostics } = validateFleetFiles(files, { readDocuments });
    expect(diagnostics.filter((d) => d.code === 'UnrepresentableNumber').map((d) => d.pointer)).toEqual(['/metadata/labels/big']);
  });
});

describe.each(READERS)('text JSON cannot carry, read by %s', (_name, readDocuments) => {
  it('a lone UTF-16 surrogate from an escape is a located LoneSurrogate error, in a value or a key', () => {
    const { fleet, diagnostics } = validateFleetFiles(extension('    a: "x\\ud800y"\n    "k\\udc00": 1\n    b: "\\ud83d"\n'), { readDocuments });
    expect(fleet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.pointer])).toEqual([
      ['LoneSurrogate', 9, 8, '/spec/configurationSettings/a'],
      ['LoneSurrogate', 10, 5, '/spec/configurationSettings/k\udc00'],
      ['LoneSurrogate', 11, 8, '/spec/configurationSettings/b'],
    ]);
    expect(diagnostics[0]!.message).toContain('\\ud800, half of a UTF-16 surrogate pair');
    expect(diagnostics[1]!.message).toMatch(/^This key holds the escape \\udc00/);
  });

  it('a pair of escapes that makes one character, and \\U escapes, are that character', () => {
    const { fleet, diagnostics } = validateFleetFiles(extension('    a: "\\ud83d\\ude00"\n    b: "\\U0001F600"\n'), { readDocuments });
    expect(diagnostics).toEqual([]);
    expect(fleet!.extensions[0]!.spec.configurationSettings).toEqual({ a: '😀', b: '😀' });
  });
});

describe.each(READERS)('mapping keys, read by %s', (_name, readDocuments) => {
  it('are the text written, also where YAML would read a number, a boolean or null', () => {
    const { fleet, diagnostics } = validateFleetFiles(extension('    1.10: a\n    "2.0": b\n    0x1F: c\n    true: d\n    1e400: e\n    ~: f\n    image.tag.1.10: g\n'), { readDocuments });
    expect(diagnostics).toEqual([]);
    expect(Object.keys(fleet!.extensions[0]!.spec.configurationSettings).sort()).toEqual(['0x1F', '1.10', '1e400', '2.0', 'image.tag.1.10', 'true', '~']);
  });

  it('in a flow mapping, and as an alias of a number, too', () => {
    const flow = extension('');
    flow[1]!.content = flow[1]!.content.replace('configurationSettings:\n', 'configurationSettings: { 1.10: a, 0x1F: b }\n');
    const inFlow = validateFleetFiles(flow, { readDocuments });
    expect(inFlow.diagnostics).toEqual([]);
    expect(inFlow.fleet!.extensions[0]!.spec.configurationSettings).toEqual({ '1.10': 'a', '0x1F': 'b' });
    const { fleet, diagnostics } = validateFleetFiles(extension('    x: &v 1.50\n    *v : aliased\n'), { readDocuments });
    expect(diagnostics).toEqual([]);
    expect(fleet!.extensions[0]!.spec.configurationSettings).toEqual({ x: 1.5, '1.50': 'aliased' });
  });

  it('an anchored key YAML reads as a number is an AnchoredKey error: its text and its repeated value differ', () => {
    const { fleet, diagnostics } = validateFleetFiles(extension('    &k 1.10: a\n    b: *k\n'), { readDocuments });
    expect(fleet).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['AnchoredKey', 9, 8]]);
  });
});
