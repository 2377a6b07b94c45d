import { statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ExitError } from '../../errors/clusterext-error.js';
import { hasErrors } from '../../manifest/diagnostic.js';
import type { Fleet } from '../../manifest/fleet.js';
import { DIAGNOSTIC_FORMATS, renderDiagnostics, type DiagnosticFormat } from '../../render/diagnostics.js';
import { loadFleetArgument } from '../load-fleet-argument.js';
import { addControllerNamespaceOption, addValidationLimitOptions, validationLimitsFrom, type ControllerNamespaceOptionValue, type ValidationLimitOptionValues } from '../validation-limit-options.js';

interface ValidateOptions extends ValidationLimitOptionValues, ControllerNamespaceOptionValue {
  rev?: string;
  format: DiagnosticFormat;
}

/** `clusterext validate [PATH] [--rev REV] [--format …]`: exit 0 when valid, 1 on any error. */
export function registerValidateCommand(program: Command): void {
  const command = program
    .command('validate')
    .description('check every manifest under PATH (default: .) and report all problems at once; exit 1 on any error')
    .argument('[path]', 'the folder holding the fleet manifests', '.')
    .option('--rev <rev>', 'read PATH at this git revision (branch, tag or sha) of its repository, without checking it out')
    .addOption(new Option('--format <format>', 'output format').choices([...DIAGNOSTIC_FORMATS]).default('human'));
  addControllerNamespaceOption(addValidationLimitOptions(command))
    .action(async (fleetPath: string, options: ValidateOptions) => {
      const result = await loadFleetArgument(fleetPath, options.rev, validationLimitsFrom(options));
      const color = options.format === 'human' && process.stdout.isTTY === true && !process.env.NO_COLOR;
      const pathPrefix = displayPrefix(fleetPath);
      let output = renderDiagnostics(result.diagnostics, options.format, { color, pathPrefix });
      if (options.format === 'human' && result.fleet) output += `${describeFleet(result.fleet, result.commit)}\n`;
      process.stdout.write(output);
      if (hasErrors(result.diagnostics)) throw new ExitError(1);
    });
}

/** `samples/fleet/` for `samples/fleet`, '' for `.`: paths in human output are relative to where the command ran. */
function displayPrefix(fleetPath: string): string {
  const isFile = statSync(fleetPath, { throwIfNoEntry: false })?.isFile() ?? false;
  const normalized = path.normalize(isFile ? path.dirname(fleetPath) : fleetPath).split(path.sep).join('/');
  if (normalized === '.' || normalized === './') return '';
  return normalized.endsWith('/') ? normalized : `${normalized}/`;
}

function describeFleet(fleet: Fleet, commit: string | undefined): string {
  const parts = [
    `${fleet.extensionTypes.length} extension type${fleet.extensionTypes.length === 1 ? '' : 's'}`,
    `${fleet.clusters.length} cluster${fleet.clusters.length === 1 ? '' : 's'}`,
    `${fleet.extensions.length} extension${fleet.extensions.length === 1 ? '' : 's'}`,
    `${fleet.policies.length} polic${fleet.policies.length === 1 ? 'y' : 'ies'}`,
  ];
  return `  ${parts.join(', ')}${commit ? ` at ${commit.slice(0, 12)}` : ''}.`;
}
