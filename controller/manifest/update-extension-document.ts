import { isMap, parseDocument, type YAMLMap } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { SettingValue } from './fleet.js';
import type { FleetFile } from './fleet-file.js';
import { findExtensionChunk } from './yaml-document-chunks.js';

/** The spec fields `extension update` may change, and how. */
export interface ExtensionSpecEdit {
  /** Spec fields given a new value (`version`, `releaseTrain`, `autoUpgradeMinorVersion`, `configurationProtectedSettingsRef`, `driftIgnore`). */
  set: Readonly<Record<string, unknown>>;
  /** Spec fields removed (a pin dropped when auto-upgrade is turned on, a train when it is turned off). */
  remove: readonly string[];
  /** configurationSettings keys given a value; the keys not named stay as they are. */
  settings: Readonly<Record<string, SettingValue>>;
}

/** The one file that changes. */
export interface ExtensionUpdate {
  path: string;
  content: string;
}

/**
 * Changes the Extension `name` of cluster `cluster` in the manifest file that declares it. Only its
 * own YAML document is touched, through the yaml Document API so its comments, key order and flow
 * or block style stay; lines of it that do not change keep their exact text (spacing, quoting), and
 * every other document of the file keeps every byte. Pure; throws ExtensionNotFound when no file
 * declares the Extension (the caller says whether a policy generates it).
 */
export function updateExtensionDocument(files: readonly FleetFile[], target: { cluster: string; name: string }, edit: ExtensionSpecEdit): ExtensionUpdate {
  const { path, chunks, index } = findExtensionChunk(files, target);
  const edited = chunks.map((chunk, i) => (i === index ? editChunk(chunk, edit) : chunk));
  return { path, content: edited.join('') };
}

function editChunk(chunk: string, edit: ExtensionSpecEdit): string {
  const doc = parseDocument(chunk);
  const spec = doc.get('spec');
  // extensionOfChunk found spec.clusterName, so spec is a mapping.
  if (!isMap(spec)) throw new ClusterextError('ExtensionNotEditable', 'The Extension has no spec mapping to edit.');
  for (const key of edit.remove) spec.delete(key);
  for (const [key, value] of Object.entries(edit.set)) spec.set(key, doc.createNode(value));
  if (Object.keys(edit.settings).length > 0) {
    let settings = spec.get('configurationSettings');
    if (!isMap(settings)) {
      settings = doc.createNode({}) as YAMLMap;
      spec.set('configurationSettings', settings);
    }
    // Keys are flat (dots nest later), so each is one scalar key, never a path.
    for (const [key, value] of Object.entries(edit.settings)) (settings as YAMLMap).set(key, value);
  }
  const printed = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/\n*$/, '');
  return keepUnchangedLines(chunk.replace(/\n*$/, ''), printed) + /\n*$/.exec(chunk)![0];
}

/**
 * The yaml library prints a document in its own spacing (one space before a comment, `{a: 1}`
 * for `{ a: 1 }`): the printed lines that match original lines but for whitespace (the longest
 * common subsequence) take the original's text, so only the lines the edit changes differ.
 */
function keepUnchangedLines(original: string, printed: string): string {
  const a = original.split('\n');
  const b = printed.split('\n');
  const squeeze = (line: string) => line.replace(/\s+/g, ' ').trim();
  const sa = a.map(squeeze);
  const sb = b.map(squeeze);
  // lcs[i][j]: the longest common subsequence of sa[i..] and sb[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = sa[i] === sb[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  for (let j = 0; j < b.length; ) {
    if (i < a.length && sa[i] === sb[j]) {
      out.push(a[i]!);
      i++;
      j++;
    } else if (i < a.length && lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      i++;
    } else {
      out.push(b[j]!);
      j++;
    }
  }
  return out.join('\n');
}
