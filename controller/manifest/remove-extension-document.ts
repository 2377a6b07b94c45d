import { ClusterextError } from '../errors/clusterext-error.js';
import type { FleetFile } from './fleet-file.js';
import { extensionOfChunk, isEmptyYamlChunk, splitYamlDocumentChunks } from './yaml-document-chunks.js';

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
  for (const file of files) {
    if (file.unreadable) continue;
    const chunks = splitYamlDocumentChunks(file.content);
    const index = chunks.findIndex((chunk) => {
      const extension = extensionOfChunk(chunk);
      return extension?.name === target.name && extension.cluster === target.cluster;
    });
    if (index < 0) continue;
    const kept = chunks.filter((_, i) => i !== index);
    // A first document written without `---` is followed by one that has it; the marker may stay.
    const content = kept.join('');
    const deleted = kept.every(isEmptyYamlChunk);
    return { path: file.path, content: deleted ? '' : content, deleted };
  }
  throw new ClusterextError('ExtensionNotFound', `No manifest declares Extension "${target.name}" on cluster "${target.cluster}".`, target);
}
