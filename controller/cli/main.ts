#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ClusterextError, ExitError } from '../errors/clusterext-error.js';
import { buildProgram } from './program.js';

/**
 * The only place that calls `process.exit`. Commands throw `ExitError` (a chosen exit code) or a
 * `ClusterextError` (a whole-sentence message, exit 1); anything else is a bug and prints its stack.
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
    process.stderr.write(`Error: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`Internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}

await main(process.argv);
