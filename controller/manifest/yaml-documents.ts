import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { parseJsonPointer, toJsonPointer } from './json-pointer.js';
import { readPlainYamlDocuments } from './plain-yaml-documents.js';

/** One YAML document of one file, with what is needed to point diagnostics at its nodes. */
export interface YamlDocument {
  file: string;
  /** 0-based index among the non-empty documents of the file. */
  documentIndex: number;
  /** The plain data (yaml's `toJS`): what the schema and the rules check. */
  value: unknown;
  /** False when YAML reported an error that makes `value` untrustworthy (anything but a duplicate key). */
  readable: boolean;
  /** 1-based position of a node by JSON Pointer; `key` prefers the key of the pair holding it. */
  locate(pointer: string, options?: { key?: boolean }): Position;
  /** The source text of the scalar at `pointer` (`1.20` where the value is the number 1.2). */
  sourceText(pointer: string): string | undefined;
}

export interface Position {
  line: number;
  column: number;
}

interface Found {
  node: Node | null;
  /** The key of the pair whose value is `node`, when `node` is a mapping value. */
  key: Node | null;
  /** True when every segment of the pointer was found. */
  exact: boolean;
}

/**
 * Parses every document of one file. YAML problems (invalid syntax, duplicate keys, tabs) become
 * diagnostics with hints; documents that are empty (a trailing `---`, only comments) are skipped.
 */
export function parseYamlDocuments(file: string, content: string): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(content, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  const positionOf = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, content.length)));
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = [];
  const documents: YamlDocument[] = [];
  for (const doc of docs) {
    if (isEmptyDocument(doc)) {
      diagnostics.push(...yamlProblems(doc, file, content, positionOf));
      continue;
    }
    const problems = yamlProblems(doc, file, content, positionOf);
    const value = toPlainData(doc);
    if (value.error) {
      problems.push({ file, ...positionOf(doc.contents?.range?.[0] ?? 0), pointer: '', severity: 'error', code: 'InvalidYaml', message: value.error });
    }
    diagnostics.push(...problems);
    documents.push({
      file,
      documentIndex: documents.length,
      value: value.data,
      readable: !problems.some((d) => d.severity === 'error' && d.code !== 'DuplicateKey'),
      locate: (pointer, options) => {
        const found = findNode(doc, parseJsonPointer(pointer));
        const target = options?.key && found.exact && found.key ? found.key : (found.node ?? doc.contents);
        return positionOf(target?.range?.[0] ?? 0);
      },
      sourceText: (pointer) => {
        const found = findNode(doc, parseJsonPointer(pointer));
        return found.exact && isScalar(found.node) && found.node.range ? content.slice(found.node.range[0], found.node.range[1]).trim() : undefined;
      },
    });
  }
  return { documents, diagnostics };
}

/**
 * The same as {@link parseYamlDocuments}, faster: a file inside the subset where the fast reader
 * agrees with `yaml` is read by it, and `yaml` parses the file only when something asks where a node
 * other than a document's top is (a diagnostic) or for its source text. Other files, and those with
 * YAML problems, go straight to `parseYamlDocuments`. Holds no parse tree of a file it read fast.
 */
export function readYamlDocuments(file: string, content: string): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const plain = readPlainYamlDocuments(content);
  if (!plain) return parseYamlDocuments(file, content);
  const precise = (index: number): YamlDocument => {
    const doc = preciseDocuments(file, content)[index];
    if (!doc) throw new Error(`The fast and precise YAML readers disagree on the documents of "${file}"; this is a bug in clusterext.`);
    return doc;
  };
  return {
    documents: plain.map(({ value, start }, documentIndex) => ({
      file,
      documentIndex,
      value,
      readable: true,
      locate: (pointer, options) => (pointer === '' ? { ...start } : precise(documentIndex).locate(pointer, options)),
      sourceText: (pointer) => precise(documentIndex).sourceText(pointer),
    })),
    diagnostics: [],
  };
}

/** The last file parsed precisely for a fast document: diagnostics of one file come in a row. */
let lastPrecise: { file: string; content: string; documents: YamlDocument[] } | undefined;

function preciseDocuments(file: string, content: string): YamlDocument[] {
  if (lastPrecise?.file !== file || lastPrecise.content !== content) lastPrecise = { file, content, documents: parseYamlDocuments(file, content).documents };
  return lastPrecise.documents;
}

/** yaml's `toJS` throws on alias bombs (too many `*alias` expansions); that is bad input, not a bug. */
function toPlainData(doc: Document): { data: unknown; error?: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (err) {
    return { data: null, error: `This document could not be read: ${sentence(err instanceof Error ? err.message : String(err))}` };
  }
}

function isEmptyDocument(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && (contents.range?.[0] ?? 0) === (contents.range?.[1] ?? 0));
}

/** Walks a JSON Pointer through the YAML nodes; stops at the deepest node that exists. */
function findNode(doc: Document, segments: readonly string[]): Found {
  let node: Node | null = doc.contents as Node | null;
  let key: Node | null = null;
  for (const segment of segments) {
    const current: Node | null = node && isAlias(node) ? (node.resolve(doc) ?? null) : node;
    if (isMap(current)) {
      const pair = current.items.find((p) => keyText(p) === segment);
      if (!pair) return { node: current, key, exact: false };
      key = (pair.key as Node | null) ?? null;
      node = (pair.value as Node | null) ?? key;
    } else if (isSeq(current) && /^\d+$/.test(segment) && Number(segment) < current.items.length) {
      key = null;
      node = (current.items[Number(segment)] as Node | null) ?? current;
    } else {
      return { node: current, key, exact: false };
    }
  }
  return { node, key, exact: true };
}

function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function yamlProblems(doc: Document, file: string, content: string, positionOf: (offset: number) => Position): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const error of doc.errors) {
    const offset = error.pos[0];
    // One broken line often yields several parser errors at the same place; the first says enough.
    if (error.code !== 'DUPLICATE_KEY' && seen.has(offset)) continue;
    seen.add(offset);
    const at = positionOf(offset);
    // Only a duplicate key leaves a structure that a pointer can describe reliably.
    const pointer = error.code === 'DUPLICATE_KEY' ? pointerAtOffset(doc, offset) : '';
    const base = { file, ...at, pointer };
    switch (error.code) {
      case 'DUPLICATE_KEY': {
        const key = parseJsonPointer(pointer).at(-1) ?? content.slice(error.pos[0], error.pos[1]).trim();
        out.push({
          ...base,
          severity: 'error',
          code: 'DuplicateKey',
          message: `Key ${JSON.stringify(key)} appears twice in the same mapping; YAML keeps only one of the values, so remove or rename one of them.`,
        });
        break;
      }
      case 'TAB_AS_INDENT':
        out.push({
          ...base,
          severity: 'error',
          code: 'TabIndentation',
          message: 'A tab is used for indentation; YAML allows only spaces there, so replace the tab with spaces.',
        });
        break;
      default:
        out.push({
          ...base,
          severity: 'error',
          code: 'InvalidYaml',
          message: `This is not valid YAML: ${sentence(error.message)} Check the indentation, quotes and brackets around this line.`,
        });
    }
  }
  for (const warning of doc.warnings) {
    out.push({ file, ...positionOf(warning.pos[0]), pointer: '', severity: 'warning', code: 'YamlWarning', message: sentence(warning.message) });
  }
  return out;
}

function sentence(message: string): string {
  const first = message.split('\n')[0]!.trim();
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** The JSON Pointer of the deepest mapping pair or sequence item whose range holds `offset`. */
function pointerAtOffset(doc: Document, offset: number): string {
  const segments: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => {
        const start = (p.key as Node | null)?.range?.[0];
        const end = (p.value as Node | null)?.range?.[2] ?? (p.key as Node | null)?.range?.[2];
        return start !== undefined && end !== undefined && start <= offset && offset <= end;
      });
      if (!pair || !isScalar(pair.key)) break;
      segments.push(String(pair.key.value));
      if (isPair(pair) && (pair.key as Node).range && offset <= (pair.key as Node).range![1]) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const r = (item as Node | null)?.range;
        return r != null && r[0] <= offset && offset <= r[2];
      });
      if (index === -1) break;
      segments.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return toJsonPointer(segments);
}
