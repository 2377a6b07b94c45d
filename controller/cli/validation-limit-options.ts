import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_CONTROLLER_NAMESPACE, DEFAULT_VALIDATION_LIMITS, MAX_SETTING_DEPTH_CEILING, type ValidationLimits } from '../manifest/validation-limits.js';

/** The parsed values of the flags addValidationLimitOptions adds. */
export interface ValidationLimitOptionValues {
  maxSettingDepth: number;
  maxExpandedSize: number;
  maxDiagnosticsPerFile: number;
  maxDiagnostics: number;
}

/** The parsed value of the flag addControllerNamespaceOption adds. */
export interface ControllerNamespaceOptionValue {
  controllerNamespace: string;
}

/**
 * The validation limits as flags, shared by `validate`, `plan` and `controller` so that the three
 * take the same names and defaults and agree on which revisions are valid.
 */
export function addValidationLimitOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--max-setting-depth <n>', `the most path segments one configurationSettings key may have (a.b.c has 3; at most ${MAX_SETTING_DEPTH_CEILING})`)
        .default(DEFAULT_VALIDATION_LIMITS.maxSettingDepth)
        .argParser(parseSettingDepth),
    )
    .addOption(
      new Option('--max-expanded-size <chars>', 'the most characters one YAML document may hold with its aliases (*name) expanded')
        .default(DEFAULT_VALIDATION_LIMITS.maxExpandedSize)
        .argParser(parseExpandedSize),
    )
    .addOption(
      new Option('--max-diagnostics-per-file <n>', 'the most diagnostics shown for one file; the rest are counted in one line')
        .default(DEFAULT_VALIDATION_LIMITS.maxDiagnosticsPerFile)
        .argParser(parseDiagnosticCount),
    )
    .addOption(
      new Option('--max-diagnostics <n>', 'the most diagnostics shown in all; the rest are counted in one line')
        .default(DEFAULT_VALIDATION_LIMITS.maxDiagnostics)
        .argParser(parseDiagnosticCount),
    );
}

/**
 * `--controller-namespace` for the commands that judge a fleet without running in the controller
 * (`validate`, `plan`): the namespace the controller runs in, which the rules treat as a system
 * namespace. The controller itself uses its `-n`.
 */
export function addControllerNamespaceOption(command: Command): Command {
  return command.option(
    '--controller-namespace <ns>',
    "the namespace the controller runs in (its -n): namespace-scoped Extensions may not target it, as it holds kubeconfigs, protected settings and the digest key",
    DEFAULT_CONTROLLER_NAMESPACE,
  );
}

/**
 * The limits from the parsed options of a command that called addValidationLimitOptions;
 * `controllerNamespace` from addControllerNamespaceOption, or the controller's own namespace.
 */
export function validationLimitsFrom(options: ValidationLimitOptionValues & ControllerNamespaceOptionValue): ValidationLimits {
  return {
    maxSettingDepth: options.maxSettingDepth,
    maxExpandedSize: options.maxExpandedSize,
    maxDiagnosticsPerFile: options.maxDiagnosticsPerFile,
    maxDiagnostics: options.maxDiagnostics,
    controllerNamespace: options.controllerNamespace,
  };
}

function parseDiagnosticCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number, at least 1.');
  return n;
}

function parseExpandedSize(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of characters, at least 1.');
  return n;
}

function parseSettingDepth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SETTING_DEPTH_CEILING) throw new InvalidArgumentError(`give a whole number from 1 to ${MAX_SETTING_DEPTH_CEILING}.`);
  return n;
}
