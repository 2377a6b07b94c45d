import { parse } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { FleetFile } from './fleet-file.js';

/** The files after removing one Extension: the edited file, or `deleted` when nothing but comments would be left. */
export interface ExtensionRemoval {
  path: string;
  content: string;
  deleted: boolean;
}

const DOCUMENT_START = /^---(?=\s|$)/;

/**
 * Removes the Extension `name` of cluster `cluster` from the manifest file that declares it, as
 * text: the lines of its YAML document (from its `---` to the next one) go, every other byte of the
 * file stays as written (comments, order, quoting, flow style). Pure; throws ExtensionNotFound
 * when no file declares it (the caller says whether a policy generates it).
 */
export function removeExtensionDocument(files: readonly FleetFile[], target: { cluster: string; name: string }): ExtensionRemoval {
  for (const file of files) {
    if (file.unreadable) continue;
    const chunks = splitDocuments(file.content);
    const index = chunks.findIndex((chunk) => declares(chunk, target));
    if (index < 0) continue;
    const kept = chunks.filter((_, i) => i !== index);
    // A first document written without `---` is followed by one that has it; the marker may stay.
    const content = kept.join('');
    const deleted = kept.every((chunk) => isEmptyDocument(chunk));
    return { path: file.path, content: deleted ? '' : content, deleted };
  }
  throw new ClusterextError('ExtensionNotFound', `No manifest declares Extension "${target.name}" on cluster "${target.cluster}".`, target);
}

/** The file cut before each line that starts a document (`---`), so joining the pieces gives the file back. */
function splitDocuments(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (DOCUMENT_START.test(line) && current !== '') {
      chunks.push(current);
      current = '';
    }
    current += line;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

function declares(chunk: string, target: { cluster: string; name: string }): boolean {
  let value: unknown;
  try {
    value = parse(chunk.replace(DOCUMENT_START, ''));
  } catch {
    return false;
  }
  const doc = value as { kind?: unknown; metadata?: { name?: unknown }; spec?: { clusterName?: unknown } } | null;
  return doc?.kind === 'Extension' && doc.metadata?.name === target.name && doc.spec?.clusterName === target.cluster;
}

function isEmptyDocument(chunk: string): boolean {
  return chunk
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('#') || DOCUMENT_START.test(line));
}
