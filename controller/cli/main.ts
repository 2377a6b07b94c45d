#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ClusterextError, ExitError } from '../errors/clusterext-error.js';
import { terminalText } from '../render/escape-output.js';
import { buildProgram } from './program.js';

/**
 * The only place that sets the exit code. Commands throw `ExitError` (a chosen exit code) or a
 * `ClusterextError` (a whole-sentence message, exit 1); an operating-system error (a file that
 * cannot be read) is bad input too (exit 1). Anything else is a bug (exit 70). None prints a stack
 * trace unless CLUSTEREXT_DEBUG is set: a message may quote what was read, and a trace helps no user.
 */
async function main(argv: string[]): Promise<void> {
  const program: Command = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed help, the version or the usage error.
    return err.exitCode;
  }
  if (err instanceof ExitError) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ClusterextError) {
    // A message quotes names, keys and URLs from manifests: one line, no control characters.
    process.stderr.write(`Error: ${terminalText(err.message)}\n`);
    return 1;
  }
  const system = describeSystemError(err);
  if (system) {
    process.stderr.write(`Error: ${system}\n`);
    return 1;
  }
  const detail = process.env.CLUSTEREXT_DEBUG ? (err instanceof Error ? (err.stack ?? err.message) : String(err)) : oneLine(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.stderr.write(`Internal error (please report it; set CLUSTEREXT_DEBUG=1 for details): ${detail}\n`);
  return 70;
}

const SYSTEM_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error',
};

/** A whole sentence for an operating-system error (`code` and `syscall` set by Node), or undefined. */
function describeSystemError(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, syscall, path } = err as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof syscall !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined;
  const what = typeof path === 'string' ? ` ${JSON.stringify(path)}` : '';
  return `Could not ${syscall}${what}: ${SYSTEM_ERRORS[code] ?? code} (${code}); check the path and its permissions.`;
}

/** The first line of a message, without control characters and at most 300 characters long. */
function oneLine(message: string): string {
  const first = (message.split('\n')[0] ?? '').replace(/\p{Cc}/gu, '?');
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

await main(process.argv);
