import { stringify } from 'yaml';
import type { FleetFile } from './fleet-file.js';
import { extensionOfChunk, splitYamlDocumentChunks } from './yaml-document-chunks.js';

export interface ExtensionAddition {
  path: string;
  content: string;
  /** The file did not exist. */
  created: boolean;
}

/**
 * Appends an Extension to the file the repository already uses for its cluster (the first file, in
 * path order, that declares an Extension of that cluster), or to `extensions/<cluster>.yaml` when
 * none does (the convention of samples/fleet). The file's existing bytes are kept as they are.
 * Pure: the caller validates the result and writes it.
 */
export function addExtensionDocument(files: readonly FleetFile[], document: { spec: Record<string, unknown> }, cluster: string): ExtensionAddition {
  const text = stringify(document);
  const home = [...files]
    .filter((f) => !f.unreadable)
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .find((f) => splitYamlDocumentChunks(f.content).some((chunk) => extensionOfChunk(chunk)?.cluster === cluster));
  if (!home) {
    const conventional = files.find((f) => f.path === `extensions/${cluster}.yaml`);
    if (!conventional) return { path: `extensions/${cluster}.yaml`, content: text, created: true };
    return append(conventional, text);
  }
  return append(home, text);
}

function append(home: FleetFile, text: string): ExtensionAddition {
  const body = home.content === '' || home.content.endsWith('\n') ? home.content : `${home.content}\n`;
  return { path: home.path, content: `${body}---\n${text}`, created: false };
}
