import { parse } from 'yaml';
import { ClusterextError } from '../errors/clusterext-error.js';
import type { FleetFile } from './fleet-file.js';

const DOCUMENT_START = /^---(?=\s|$)/;

/**
 * A manifest file cut before each line that starts a YAML document (`---`), so that joining the
 * chunks gives the file back byte for byte: edits that add or remove a whole document touch nothing
 * else (comments, order, quoting, flow style stay as written).
 */
export function splitYamlDocumentChunks(text: string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split(/(?<=\n)/)) {
    if (DOCUMENT_START.test(line) && current !== '') {
      chunks.push(current);
      current = '';
    }
    current += line;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** The Extension a chunk declares (kind, name and cluster), or undefined for anything else or text that does not parse. */
export function extensionOfChunk(chunk: string): { name: unknown; cluster: unknown } | undefined {
  let value: unknown;
  try {
    value = parse(chunk.replace(DOCUMENT_START, ''));
  } catch {
    return undefined;
  }
  const doc = value as { kind?: unknown; metadata?: { name?: unknown }; spec?: { clusterName?: unknown } } | null;
  return doc?.kind === 'Extension' ? { name: doc.metadata?.name, cluster: doc.spec?.clusterName } : undefined;
}

/**
 * The file and document chunk that declare Extension `name` of cluster `cluster`: the first
 * readable file that has it. Throws ExtensionNotFound when no file declares it (the caller says
 * whether a policy generates it).
 */
export function findExtensionChunk(files: readonly FleetFile[], target: { cluster: string; name: string }): { path: string; chunks: string[]; index: number } {
  for (const file of files) {
    if (file.unreadable) continue;
    const chunks = splitYamlDocumentChunks(file.content);
    const index = chunks.findIndex((chunk) => {
      const extension = extensionOfChunk(chunk);
      return extension?.name === target.name && extension.cluster === target.cluster;
    });
    if (index >= 0) return { path: file.path, chunks, index };
  }
  throw new ClusterextError('ExtensionNotFound', `No manifest declares Extension "${target.name}" on cluster "${target.cluster}".`, target);
}

/** Only blank lines, comments and document markers. */
export function isEmptyYamlChunk(chunk: string): boolean {
  return chunk
    .split('\n')
    .map((line) => line.trim())
    .every((line) => line === '' || line.startsWith('#') || DOCUMENT_START.test(line));
}
