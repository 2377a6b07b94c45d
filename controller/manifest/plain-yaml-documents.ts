import { FAILSAFE_SCHEMA, loadAll, Type, type State } from 'js-yaml';
import type { Position } from './yaml-documents.js';

/** One non-empty document as the fast reader sees it: its data and where its top node starts. */
export interface PlainYamlDocument {
  value: unknown;
  /** 1-based position of the document's top node, as yaml's `contents.range[0]` gives it. */
  start: Position;
}

/*
 * The fast reader is js-yaml restricted to what it and `yaml` (the precise reader, which knows
 * where every node is) read the same way. Data model: YAML 1.2 core schema, exactly as `yaml`
 * resolves plain scalars (`yes` a string, `1.2` and `0o17` numbers, `~` null); everything quoted
 * or tagged `!!str` is a string. Anything beyond that subset — tabs, lone CRs, a BOM, directives,
 * tags, anchors and aliases, `?` keys, `<<` — sends the whole file to the precise reader, as does
 * anything js-yaml rejects (duplicate keys among them) and an explicit null document. Text that
 * merely looks like one of those (`"a * b"`) costs only speed. An anchor the pattern misses (`{"a":&x 1}`)
 * is caught as js-yaml reads it: this reader never expands an alias, so only the precise one needs
 * to bound what aliases expand to.
 */
const OUTSIDE_SUBSET = /[\t\uFEFF]|\r(?!\n)|^%|(?:^|[\s,[\]{}])[!&*?]|<</m;

/** Most plain scalars are words; a look at the first character spares them the patterns. */
const scalar = (tag: string, first: string, test: RegExp, construct: (text: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (text: unknown) => typeof text === 'string' && (text === '' || first.includes(text[0]!)) && test.test(text),
    construct,
  });

/** yaml's core schema tags (yaml/dist/schema/core), in yaml's order; `intAsBigInt` is off there too. */
const CORE_SCALARS = [
  scalar('null', '~nN', /^(?:~|[Nn]ull|NULL)?$/, () => null),
  scalar('bool', 'tTfF', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (text) => text[0] === 't' || text[0] === 'T'),
  scalar('int', '+-0123456789', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (text) =>
    text.startsWith('0o') ? parseInt(text.slice(2), 8) : text.startsWith('0x') ? parseInt(text.slice(2), 16) : parseInt(text, 10),
  ),
  scalar('float', '+-.0123456789', /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/, (text) =>
    text.slice(-3).toLowerCase() === 'nan' ? NaN : /inf$/i.test(text) ? (text[0] === '-' ? -Infinity : Infinity) : parseFloat(text),
  ),
];

const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: CORE_SCALARS });

const KEY_AFTER = /[ \t]*:/y;

/**
 * Reads every non-empty document of one file with the fast reader, or returns undefined when the
 * file is outside the subset where it agrees with the precise reader; the caller then reads the
 * file precisely (which also finds the YAML problems: a file read here has none).
 */
export function readPlainYamlDocuments(content: string): PlainYamlDocument[] | undefined {
  if (OUTSIDE_SUBSET.test(content)) return undefined;
  const starts: Position[] = [];
  const empty: boolean[] = [];
  const opened: { position: number; line: number }[] = [];
  let multiLineFlow = false;
  let anchored = false;
  let collectionKey = false;
  let nonTextKey = false;
  let values: unknown[];
  try {
    values = loadAll(content, null, {
      schema: CORE_SCHEMA,
      listener: (event: 'open' | 'close', state: State & { depth?: number; tag?: string | null }) => {
        if (event === 'open') {
          opened.push({ position: state.position, line: state.line });
          // The top node opens after the document's leading space, comments and `---`: where yaml starts it.
          if (state.depth === 1) starts.push({ line: state.line + 1, column: state.position - state.lineStart + 1 });
          return;
        }
        const open = opened.pop()!;
        // A flow collection followed by ":" is a key; yaml and js-yaml turn it into different text.
        if (state.kind === 'sequence' || state.kind === 'mapping') {
          KEY_AFTER.lastIndex = state.position;
          if (KEY_AFTER.test(content)) collectionKey = true;
        } else if (state.kind === 'scalar' && typeof state.result !== 'string' && isKey(content, open.position, state.position, opened.at(-1)?.position)) {
          // A key that resolves to a number, boolean or null (`1.10:`): js-yaml would key it by
          // String(1.1); the precise reader keeps the text written.
          nonTextKey = true;
        }
        if (state.line > open.line && state.kind !== null && isFlowNode(content, open.position, state.kind)) multiLineFlow = true;
        if (state.depth === 1) {
          empty.push(state.tag === null && state.result === null);
          // js-yaml keeps a document's anchors in `anchorMap`, new for each document.
          const anchors = (state as { anchorMap?: object }).anchorMap;
          if (anchors === undefined || Object.keys(anchors).length > 0) anchored = true;
        }
      },
    });
  } catch {
    return undefined;
  }
  // The readers differ on how far the lines of a quoted or flow node must be indented.
  if (multiLineFlow || anchored || collectionKey || nonTextKey) return undefined;
  if (values.length !== starts.length || values.length !== empty.length) return undefined;
  const documents: PlainYamlDocument[] = [];
  for (const [i, value] of values.entries()) {
    if (empty[i]) continue;
    // An explicit `null` or `~` document is a diagnostic; only the precise reader can place it.
    if (value === null || value === undefined) return undefined;
    documents.push({ value, start: starts[i]! });
  }
  return documents;
}

/**
 * True when the scalar opened at `start` and closed at `end` may be a mapping key: it is followed
 * by ":", or it sits in a flow mapping (opened at `parent`) without ":" before it (`{1.5, a: b}`).
 * May say true of a value (after a comment): that costs only speed.
 */
function isKey(content: string, start: number, end: number, parent: number | undefined): boolean {
  KEY_AFTER.lastIndex = end;
  if (KEY_AFTER.test(content)) return true;
  if (parent === undefined || content[skipSpace(content, parent)] !== '{') return false;
  let i = skipSpace(content, start) - 1;
  while (i >= 0 && (content[i] === ' ' || content[i] === '\n' || content[i] === '\r')) i--;
  return content[i] !== ':';
}

/** The offset of the first character at or after `from` that is not space, a line break or a comment. */
function skipSpace(content: string, from: number): number {
  let i = from;
  for (;;) {
    const c = content[i];
    if (c === ' ' || c === '\n' || c === '\r') i++;
    else if (c === '#') i = nextLine(content, i);
    else return i;
  }
}

/** True when the node of `kind` at `position` (after space and comments) is a quoted or plain scalar or a flow collection. */
function isFlowNode(content: string, position: number, kind: string): boolean {
  const c = content[skipSpace(content, position)];
  return kind === 'scalar' ? c !== '|' && c !== '>' : c === '[' || c === '{';
}

function nextLine(content: string, from: number): number {
  const end = content.indexOf('\n', from);
  return end === -1 ? content.length : end;
}
