/**
 * One escaping function per kind of output, for text that comes from manifests, chart indexes or
 * helm (names, keys, versions, messages that quote them) on its way to a reader who must see it
 * as text and nothing else. Pure.
 *
 * - terminalText: a terminal or a CI log (the human forms).
 * - markdownText / markdownCode: a PR comment (the markdown forms).
 * - githubData / githubProperty: GitHub workflow commands (the github form).
 * JSON output needs none: JSON.stringify escapes every control character.
 */

// C0 and C1 controls, DEL, and the invisible characters that reorder or hide text (bidi
// overrides and isolates, zero-width characters, line and paragraph separators, BOM).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** `\n`, `\r`, `\t` or `\u{1b}`: the character made visible, never acted on. */
function visible(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

/**
 * Text for a terminal or a CI log: every control character (ESC sequences, CR, LF) and every
 * invisible reordering character is shown escaped, so the text stays on its line and cannot
 * colour, move the cursor, or start a line of its own. The whole output then goes through
 * guardCommandLines.
 */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, visible);
}

/**
 * A whole human-form output with the first colon of every line escaped where the line, once a CI
 * runner trims it (and without our colours), would start with `:`, the start of a GitHub workflow
 * command (`::error`, `::stop-commands::`). Our own lines never start so; a file or name can.
 */
export function guardCommandLines(output: string): string {
  // eslint-disable-next-line no-control-regex -- our own colour codes may come first
  return output.replace(/^([ \t]*(?:\u001b\[[0-9;]*m)*[ \t]*):/gm, '$1\\u{3a}');
}

// Post-processing on GitHub turns these into links and notifications even in escaped text.
const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Text for a PR comment, in a paragraph or a table cell: controls made visible, the characters
 * that start HTML, links, images, emphasis, code, math, entities or cells backslash-escaped,
 * and @mentions, #references and bare URLs broken with a zero-width space, which GitHub's
 * autolinking and mention filters work past escaping.
 */
export function markdownText(text: string): string {
  return text
    .replace(UNSAFE, visible)
    .replace(/[\\`*_[\]<>|~&$!]/g, (c) => `\\${c}`)
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`)
    .replace(/#/g, `#${ZERO_WIDTH_SPACE}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZERO_WIDTH_SPACE}.`);
}

/**
 * Inline code for a PR comment, safe in a table cell: controls made visible, pipes escaped (GFM
 * splits cells on them even in code), and a fence longer than any backtick run. Nothing inside
 * code is a link, mention or HTML.
 */
export function markdownCode(text: string): string {
  const flat = text.replace(UNSAFE, visible).replaceAll('|', '\\|');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Text inside an HTML element of a PR comment (`<summary>`): entities for `&<>"'`, controls made visible, mentions broken. */
export function markdownHtmlText(text: string): string {
  return text
    .replace(UNSAFE, visible)
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`);
}

/** The message of a GitHub workflow command: `%`, CR and LF percent-encoded (as the runner decodes them), other controls made visible. */
export function githubData(text: string): string {
  return text
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A')
    .replace(UNSAFE, visible);
}

/** A property of a GitHub workflow command (file, title): as githubData, and `:` and `,` too. */
export function githubProperty(text: string): string {
  return githubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Text inside an HTML element or a quoted attribute value of a standalone page (the html drift
 * report): `&<>"'` as entities, so a name like `<script>` stays text, and controls and invisible
 * reordering characters made visible as in the terminal forms.
 */
export function htmlText(text: string): string {
  return text.replace(UNSAFE, visible).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
