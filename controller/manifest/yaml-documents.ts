import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic } from './diagnostic.js';
import { parseJsonPointer, toJsonPointer } from './json-pointer.js';
import { readPlainYamlDocuments } from './plain-yaml-documents.js';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.js';

/** What reading YAML is bounded by (see ValidationLimits). */
export type YamlReadOptions = Pick<ValidationLimits, 'maxExpandedSize'>;

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
export function parseYamlDocuments(file: string, content: string, options: YamlReadOptions = DEFAULT_VALIDATION_LIMITS): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // logLevel error: what yaml would only warn about on the console (a collection as a key) is a diagnostic here.
  const parsed = parseAllDocuments(content, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false, logLevel: 'error' });
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
    const nodes = inspectNodes(doc, content, options.maxExpandedSize);
    for (const tag of nodes.unsupportedTags) problems.push(unsupportedTag(file, positionOf(tagOffset(content, tag.offset)), tag.tag));
    for (const offset of nodes.collectionKeys) {
      problems.push({
        file,
        ...positionOf(offset),
        pointer: '',
        severity: 'error',
        code: 'CollectionKey',
        message: 'This mapping key is a list or a mapping; keys in manifests are plain text (as in JSON), so it would silently become its text form. Write the key as a string.',
      });
    }
    for (const offset of nodes.anchoredKeys) {
      problems.push({
        file,
        ...positionOf(offset),
        pointer: '',
        severity: 'error',
        code: 'AnchoredKey',
        message: 'This mapping key is read as a number, boolean or null and carries an anchor (&name); keys are the text written, but where the anchor is repeated it would be the value, so quote the key (or drop the anchor).',
      });
    }
    if (nodes.tooLarge) problems.push({ file, ...positionOf(nodes.tooLarge.offset), pointer: '', severity: 'error', code: nodes.tooLarge.code, message: nodes.tooLarge.message });
    // A document too large is not expanded at all: its data is what would exhaust memory.
    const value = nodes.tooLarge ? { data: null } : toPlainData(doc);
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
export function readYamlDocuments(file: string, content: string, options: YamlReadOptions = DEFAULT_VALIDATION_LIMITS): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  // The fast reader reads no aliases (it leaves files with anchors to `yaml`), so its documents are
  // as large as their text: only a document longer than the limit itself needs the precise reader.
  const plain = content.length > options.maxExpandedSize ? undefined : readPlainYamlDocuments(content);
  if (!plain) return parseYamlDocuments(file, content, options);
  const precise = (index: number): YamlDocument => {
    const doc = preciseDocuments(file, content, options)[index];
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
let lastPrecise: { file: string; content: string; options: YamlReadOptions; documents: YamlDocument[] } | undefined;

function preciseDocuments(file: string, content: string, options: YamlReadOptions): YamlDocument[] {
  if (lastPrecise?.file !== file || lastPrecise.content !== content || lastPrecise.options.maxExpandedSize !== options.maxExpandedSize) {
    lastPrecise = { file, content, options, documents: parseYamlDocuments(file, content, options).documents };
  }
  return lastPrecise.documents;
}

/**
 * Tags that `yaml` knows but that resolve to something JSON (and so the plan and Helm's values)
 * cannot hold: a Buffer, a Date, a Set, ordered pairs. Tags it does not know (`!vault`,
 * `!!js/function`) come as TAG_RESOLVE_FAILED warnings instead; both are errors here.
 */
const NON_JSON_TAGS = new Set(['binary', 'timestamp', 'set', 'omap', 'pairs'].map((t) => `tag:yaml.org,2002:${t}`));

/** Where the tag of the node starting at `offset` is: before it, perhaps with an anchor between. */
function tagOffset(content: string, offset: number): number {
  let bang = content.lastIndexOf('!', offset);
  if (bang > 0 && content[bang - 1] === '!') bang--;
  return bang !== -1 && /^!\S*\s+(?:&\S+\s+)?$/.test(content.slice(bang, offset)) ? bang : offset;
}

function unsupportedTag(file: string, at: Position, tag: string): Diagnostic {
  const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
  return {
    file,
    ...at,
    pointer: '',
    severity: 'error',
    code: 'UnsupportedTag',
    message: `The tag ${JSON.stringify(shown)} is not one clusterext reads: manifests hold plain strings, numbers, booleans, lists and mappings, so a tag would otherwise be dropped and its text deployed as it is; remove the tag (resolve secrets with configurationProtectedSettingsRef instead).`,
  };
}

/**
 * One pass over a document's nodes in order: the tags that have no JSON form, the keys that are
 * collections, and whether the
 * document with every alias expanded would exceed `maxExpandedSize` characters (a scalar counts
 * its source text, an item or pair one more, an alias the expanded size of the node it repeats).
 * Linear in the document, whatever the aliases repeat; stops at the first node past the limit.
 * On the way, every scalar key that YAML resolves to something other than text (`1.10`, `0x1F`,
 * `~`, `true`) gets its source text as its value (see `keepKeyText`).
 */
function inspectNodes(
  doc: Document,
  content: string,
  maxExpandedSize: number,
): { unsupportedTags: { offset: number; tag: string }[]; collectionKeys: number[]; anchoredKeys: number[]; tooLarge?: { offset: number; code: 'DocumentTooLarge' | 'RecursiveAlias'; message: string } } {
  const unsupportedTags: { offset: number; tag: string }[] = [];
  const collectionKeys: number[] = [];
  const anchoredKeys: number[] = [];
  // The expanded size of each anchor once its node is complete; undefined while inside it.
  const anchors = new Map<string, number | undefined>();
  let total = 0;
  const tasks: ({ enter: unknown } | { leave: string; start: number })[] = [{ enter: doc.contents }];
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    if ('leave' in task) {
      anchors.set(task.leave, total - task.start);
      continue;
    }
    const node = task.enter;
    let alias: { name: string; size: number } | undefined;
    if (isPair(node)) {
      if (isMap(node.key) || isSeq(node.key)) collectionKeys.push(node.key.range?.[0] ?? 0);
      else if (keepKeyText(doc, node, content) === 'anchored') anchoredKeys.push((node.key as Node).range?.[0] ?? 0);
      total += 1;
      tasks.push({ enter: node.value }, { enter: node.key });
    } else if (isAlias(node)) {
      // A missing anchor is yaml's own error; an alias inside its own anchor would never end.
      const size = anchors.has(node.source) ? (anchors.get(node.source) ?? Number.POSITIVE_INFINITY) : 0;
      alias = { name: node.source, size };
      total += size;
    } else if (isNode(node)) {
      if (node.tag && NON_JSON_TAGS.has(node.tag)) unsupportedTags.push({ offset: node.range?.[0] ?? 0, tag: node.tag });
      if (node.anchor) {
        anchors.set(node.anchor, undefined);
        tasks.push({ leave: node.anchor, start: total });
      }
      if (isScalar(node)) {
        total += Math.max(1, node.range ? node.range[1] - node.range[0] : String(node.value).length);
      } else if (isMap(node) || isSeq(node)) {
        total += 1;
        for (let i = node.items.length - 1; i >= 0; i--) tasks.push({ enter: node.items[i] });
      }
    }
    if (total > maxExpandedSize) {
      const offset = (isNode(node) ? node.range?.[0] : undefined) ?? doc.contents?.range?.[0] ?? 0;
      const message = alias && !Number.isFinite(alias.size)
        ? `The alias "*${alias.name}" here is inside the node it repeats, so it would expand without end; repeat the node by other means or remove the alias.`
        : alias
        ? `With its aliases expanded this document holds more than ${maxExpandedSize} characters, the limit: the alias "*${alias.name}" here repeats ${alias.size} characters. Each alias costs what it repeats wherever the values are used, so write the shared part once (or raise --max-expanded-size).`
        : `This document holds more than ${maxExpandedSize} characters, the limit; split it into smaller documents (or raise --max-expanded-size).`;
      return { unsupportedTags, collectionKeys, anchoredKeys, tooLarge: { offset, code: alias && !Number.isFinite(alias.size) ? 'RecursiveAlias' : 'DocumentTooLarge', message } };
    }
  }
  return { unsupportedTags, collectionKeys, anchoredKeys };
}

/**
 * Keys are text, as in JSON, and the text is what the user wrote: YAML would resolve the plain
 * key `1.10` to the number 1.1 and so the key "1.1" (and `~` to "", `0x1F` to "31"), a different
 * setting from the one written. The fast reader leaves such files to this one, so both agree.
 */
function keepKeyText(doc: Document, pair: Pair, content: string): 'kept' | 'anchored' {
  const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
  if (!isScalar(key) || typeof key.value === 'string') return 'kept';
  // Where the anchor is repeated as a value it is the number (`b: *a` is 1.1): one node cannot be both.
  if (key === pair.key && key.anchor) return 'anchored';
  const text = key.source ?? (key.range ? content.slice(key.range[0], key.range[1]).trim() : String(key.value));
  if (key === pair.key) {
    key.value = text;
  } else {
    // An alias as a key: the anchored node keeps its value where it is a value.
    const copy = new Scalar(text);
    copy.range = (pair.key as Node).range ?? key.range;
    pair.key = copy;
  }
  return 'kept';
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
    if (warning.code === 'TAG_RESOLVE_FAILED') {
      const tag = /^Unresolved tag: (\S+)/.exec(warning.message)?.[1];
      out.push(
        tag
          ? unsupportedTag(file, positionOf(warning.pos[0]), tag)
          : { file, ...positionOf(warning.pos[0]), pointer: '', severity: 'error', code: 'UnsupportedTag', message: `${sentence(warning.message)} Remove the tag or write a value of the type it names.` },
      );
      continue;
    }
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
