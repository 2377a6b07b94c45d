import type { Diagnostic } from './diagnostic.js';

/**
 * One manifest file as the loaders hand it to validation. The working tree and git give the same
 * FleetFile for the same bytes, so validate, plan and the controller judge a file alike.
 */
export interface FleetFile {
  /** Relative to the fleet path, forward slashes. */
  path: string;
  content: string;
  /** Set (and `content` empty) when the file cannot be read as YAML text; validation reports it. */
  unreadable?: Diagnostic;
}

/** What is not a regular file: a symbolic link, or (only in a working tree) a FIFO, socket or device. */
export type NotARegularFile = 'symlink' | 'special';

/** A file from its bytes: UTF-8 text (a leading BOM dropped), or unreadable with the first invalid byte located. */
export function fleetFileFromBytes(path: string, bytes: Uint8Array): FleetFile {
  try {
    return { path, content: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const offset = Math.max(0, firstInvalidByte(bytes));
    const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    const column = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset)).length + 1;
    const byte = `0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    return {
      path,
      content: '',
      unreadable: {
        severity: 'error',
        code: 'InvalidUtf8',
        message: `"${path}" is not valid UTF-8: byte ${byte} does not start or continue a character here; YAML files must be UTF-8, so save the file as UTF-8 (for example with iconv -f latin1 -t utf-8).`,
        file: path,
        line,
        column,
        pointer: '',
      },
    };
  }
}

/** A file of the fleet that is not a regular file: reported, never read (a FIFO would block, a link's text is a path). */
export function notARegularFile(path: string, kind: NotARegularFile): FleetFile {
  const message =
    kind === 'symlink'
      ? `"${path}" is a symbolic link; clusterext reads only regular files (git stores a link as the path it points to, not the file), so replace the link with a copy of the file.`
      : `"${path}" is not a regular file (a FIFO, socket or device); manifests must be regular files, so remove it or rename it to something not ending in .yaml or .yml.`;
  return {
    path,
    content: '',
    unreadable: { severity: 'error', code: kind === 'symlink' ? 'SymbolicLink' : 'NotARegularFile', message, file: path, line: 1, column: 1, pointer: '' },
  };
}

/** The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates), or -1. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The length of the sequence and the range its second byte must fall in.
    const [length, low, high] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf]
      : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf]
      : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf]
      : b === 0xf4 ? [4, 0x80, 0x8f]
      : [0, 0, 0];
    if (length === 0) return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
