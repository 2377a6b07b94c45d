import { Command } from 'commander';
import { CLUSTEREXT_VERSION } from '../version.js';
import { registerLocalCommand } from './commands/local.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerCrdsCommand } from './commands/crds.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerDriftCommand } from './commands/drift.js';
import { registerControllerCommand } from './commands/controller.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerGetCommand } from './commands/get.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerExtensionCommand } from './commands/extension.js';

/**
 * The `clusterext` command tree. Each command lives in `commands/<name>.ts` and exports a
 * `register…Command(program)` function; this file only lists them, so it reads as the table of
 * contents of the CLI.
 */
export function buildProgram(): Command {
  const program = new Command('clusterext')
    .description(
      'GitOps for Kubernetes cluster extensions: validate the extension manifests in git, plan what a\n' +
        'change does per cluster, reconcile real Helm releases, and report drift.',
    )
    .version(CLUSTEREXT_VERSION, '-v, --version', 'print the clusterext version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // `--version` after a subcommand is that subcommand's (extension create --version 1.2.0), not clusterext's.
    .enablePositionalOptions();
  registerValidateCommand(program);
  registerPlanCommand(program);
  registerDriftCommand(program);
  registerControllerCommand(program);
  registerGetCommand(program);
  registerReconcileCommand(program);
  registerExtensionCommand(program);
  registerCrdsCommand(program);
  registerLocalCommand(program);
  registerDemoCommand(program);
  return program;
}
