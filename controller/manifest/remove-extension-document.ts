import type { FleetFile } from './fleet-file.js';
import { findExtensionChunk, isEmptyYamlChunk } from './yaml-document-chunks.js';

/** The files after removing one Extension: the edited file, or `deleted` when nothing but comments would be left. */
export interface ExtensionRemoval {
  path: string;
  content: string;
  deleted: boolean;
}

/**
 * Removes the Extension `name` of cluster `cluster` from the manifest file that declares it, as
 * text: the lines of its YAML document (from its `---` to the next one) go, every other byte of the
 * file stays as written (comments, order, quoting, flow style). Pure; throws ExtensionNotFound
 * when no file declares it (the caller says whether a policy generates it).
 */
export function removeExtensionDocument(files: readonly FleetFile[], target: { cluster: string; name: string }): ExtensionRemoval {
  const { path, chunks, index } = findExtensionChunk(files, target);
  const kept = chunks.filter((_, i) => i !== index);
  // A first document written without `---` is followed by one that has it; the marker may stay.
  const content = kept.join('');
  const deleted = kept.every(isEmptyYamlChunk);
  return { path, content: deleted ? '' : content, deleted };
}
