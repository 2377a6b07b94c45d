import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_VALIDATION_LIMITS, MAX_SETTING_DEPTH_CEILING, type ValidationLimits } from '../manifest/validation-limits.js';

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
    );
}

/** The limits from the parsed options of a command that called addValidationLimitOptions. */
export function validationLimitsFrom(options: { maxSettingDepth: number; maxExpandedSize: number }): ValidationLimits {
  return { maxSettingDepth: options.maxSettingDepth, maxExpandedSize: options.maxExpandedSize };
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
